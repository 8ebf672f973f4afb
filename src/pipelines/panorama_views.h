// Where a panorama's views sit on the latent canvas and how their outputs are blended back into it.
//
//   auto grid = palette::panorama::multidiffusion_grid(64, 256, /*window=*/64, /*stride=*/8, false);
//   torch::Tensor value = torch::zeros_like(latent);
//   for (size_t i = 0; i < grid.views.size(); ++i) {
//     auto crop = palette::panorama::crop(latent, grid.views[i]);          // [B, C, vh, vw]
//     palette::panorama::accumulate(value, grid.views[i], grid.weights[i] * denoise(crop));
//   }
//   latent = value / grid.total;                                            // weighted average
//
// Two grids: MultiDiffusion's (diffusers' StableDiffusionPanoramaPipeline.get_views: any stride,
// uniform weights, averaging by the number of views over each pixel) and the StreamMultiDiffusion
// authors' tiling (util.py get_panorama_views: stride = window/2, separable triangular weights).
// Every view of a grid has the same size, so views batch into one UNet call.
// Failures: the grid builders throw palette::Error for a non-positive size, window or stride, or a
// stride larger than the window (which would leave pixels no view covers).
// Thread safety: pure functions; grids are plain values.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace palette::panorama {

struct View {
  int64_t h0 = 0, h1 = 0;  // latent rows [h0, h1)
  int64_t w0 = 0, w1 = 0;  // latent columns [w0, w1); on a circular canvas w1 may pass the width: wraps
};

struct ViewGrid {
  int64_t height = 0, width = 0;            // the latent canvas
  bool circular = false;                    // columns wrap around (a 360° panorama)
  int64_t view_height = 0, view_width = 0;  // every view's size: min(window, side)
  std::vector<View> views;                  // row-major
  torch::Tensor weights;  // [n, view_height, view_width] float32 CPU: each view's blend weight per pixel
  torch::Tensor total;  // [height, width] float32 CPU: Σ of the weights over the views covering a pixel (> 0)
};

// diffusers' MultiDiffusion grid: views of min(window, side) with the given stride, weights 1, so
// blending is the average over the views that cover a pixel. Where the stride does not land on the
// far edge, one more view is placed flush with it (diffusers leaves those pixels to no view and
// returns them as zeros). Circular: width/stride views per row (rounded up), wrapping around. (diffusers
// adds a wrapping view's rows h0:h1 *of the view* back, which is only right while one view spans the
// whole height, as in its fixtures; the whole view is added here.)
ViewGrid multidiffusion_grid(int64_t height, int64_t width, int64_t window, int64_t stride, bool circular);

// The StreamMultiDiffusion authors' tiling: window = tile, stride = window/2 (rounded down), and each
// view weighted by a separable triangle that is flat (1) towards the canvas borders, normalised so
// that the weights sum to 1 at every pixel. A side no longer than the window gets one view with weight
// 1 along it. Where the stride does not land on the far edge, the last view is moved flush with it
// (the reference cuts it short instead, giving a smaller UNet input that cannot be batched).
// Circular: every view along a row gets the full triangle and the views wrap around.
ViewGrid tiled_grid(int64_t height, int64_t width, int64_t window, bool circular);

// The weights placed on the canvas, one plane per view: [n, height, width] float32 (the reference's
// layout of get_panorama_views' masks, without its leading batch dimension).
torch::Tensor canvas_weights(const ViewGrid& grid);

// latent[..., view] as [B, C, vh, vw]; columns past the width wrap to the start. Shares memory with
// `latent` when the view does not wrap.
torch::Tensor crop(const torch::Tensor& latent, const View& view);
// canvas[..., view] += x, with x [B, C, vh, vw] (or broadcastable to it) and wrapping as crop().
void accumulate(torch::Tensor& canvas, const View& view, const torch::Tensor& x);

}  // namespace palette::panorama
