// Bootstrapping's recentring (docs/algorithms.md §4): during the first steps each layer's latent is
// shifted so the bounding box of its mask sits at the canvas centre, where the UNet draws objects best,
// and shifted back after the step.
//
//   auto shifts = palette::mask_bbox_center_shifts(masks);               // masks: (p, 1, h, w)
//   palette::ShiftOptions options;
//   options.fill = background_latent;                                    // what enters at the edges
//   auto centred = palette::shift_latents(latents, shifts, options);     // latents: (p, c, h, w)
//   auto back = palette::shift_latents(denoised, -shifts, options);      // the inverse shift
//
// Failures: palette::Error naming the argument and the problem. No host–device synchronisation: the
// shifts stay on the device and the shift is a gather, so a GPU never waits for the host.
// Thread safety: pure functions of their arguments; safe to call from several threads at once.
#pragma once

#include <torch/types.h>

namespace palette {

enum class ShiftEdges {
  Fill,  // what leaves the canvas is dropped; the vacated pixels come from `fill`
  Wrap,  // what leaves one edge enters at the other, as the reference's torch.roll (a seam in the
         // background; a reference bug, docs/algorithms.md §4; the smd_shift_to_mask_bbox_center fixture
         // needs it)
};

struct ShiftOptions {
  ShiftEdges edges = ShiftEdges::Fill;
  // With ShiftEdges::Fill: the values of the vacated pixels, broadcastable to the latents (e.g. the
  // noised background latent, so the layer reads as background there); undefined = zeros.
  torch::Tensor fill;
};

// Per layer, the (dy, dx) that moves the centre of the mask's bounding box — ⌊(first + last + 1) / 2⌋ of
// its painted (> 0) rows and columns — to (h/2, w/2) rounded down: (p, 2) int64 on the masks' device.
// A layer with nothing painted gets (0, 0); the reference shifts it by (h/2, w/2), as if a pixel at (0, 0)
// were painted. `masks`: (p, 1, h, w), any dtype and device. Throws palette::Error on another shape.
torch::Tensor mask_bbox_center_shifts(const torch::Tensor& masks);

// Each latent moved by its (dy, dx): out[y, x] = latents[y − dy, x − dx]. `latents` (p, c, h, w) any dtype
// and device; `shifts` (p, 2) integral on the same device (negate it for the way back). With Fill, the
// way back restores every pixel whose shifted position stayed on the canvas, which includes the whole
// bounding box the shifts were measured from. Returns a new tensor like latents. Throws palette::Error on
// mismatched shapes or a fill that does not broadcast.
torch::Tensor shift_latents(const torch::Tensor& latents, const torch::Tensor& shifts,
                            const ShiftOptions& options);

// shift_latents with mask_bbox_center_shifts(masks), and its inverse: the reference's
// shift_to_mask_bbox_center with reverse=True and with reverse=False respectively. `masks` (p, 1, h, w)
// with the latents' p, h and w.
torch::Tensor shift_to_mask_bbox_center(const torch::Tensor& latents, const torch::Tensor& masks,
                                        const ShiftOptions& options);
torch::Tensor shift_back_from_mask_bbox_center(const torch::Tensor& latents, const torch::Tensor& masks,
                                               const ShiftOptions& options);

}  // namespace palette
