// The two panorama denoising loops. Both walk the views in row-major order in batches of
// view_batch_size; a view's result is added to the canvas in that same order whatever the batching,
// so the batch size changes nothing but the UNet's batch (and float rounding inside it).
//
// diffusers snapshots the scheduler's state per view batch because some of its schedulers count
// steps internally. Ours are stateless (every call names its step index), so one scheduler serves all
// views as is — DDIM, the reference sampler here, has no state at all.
#include <torch/torch.h>

#include "models/model_parts.h"
#include "palette/render.h"
#include "pipelines/panorama_sampling.h"
#include "pipelines/prompt_encoding.h"
#include "sampling/scheduler.h"

namespace palette {
namespace {

using panorama::View;
using panorama::ViewGrid;

// Fresh noise for a scheduler step on a batch of views: crops of one canvas-sized draw per step,
// drawn on the first request of the step. Overlapping views thus see the same noise where they
// overlap, and which draws are made does not depend on how the views are batched.
class ViewCropNoise : public NoiseSource {
 public:
  ViewCropNoise(NoiseSource& canvas_source, std::vector<int64_t> canvas_shape)
      : source_(canvas_source), canvas_shape_(std::move(canvas_shape)) {}

  void next_step() { canvas_ = torch::Tensor(); }
  void set_views(const View* first, size_t count) {
    first_ = first;
    count_ = count;
  }

  torch::Tensor randn(at::IntArrayRef shape, const torch::TensorOptions& options) override {
    if (!canvas_.defined()) canvas_ = source_.randn(canvas_shape_, options.dtype(torch::kFloat32));
    std::vector<torch::Tensor> crops;
    for (size_t i = 0; i < count_; ++i) crops.push_back(panorama::crop(canvas_, first_[i]));
    auto out = torch::cat(crops);
    if (out.sizes() != shape) {
      throw Error("panorama: the sampler asked for noise of an unexpected shape for a batch of views");
    }
    return out.to(options);
  }

 private:
  NoiseSource& source_;
  std::vector<int64_t> canvas_shape_;
  torch::Tensor canvas_;
  const View* first_ = nullptr;
  size_t count_ = 0;
};

// The views [first, first + count) of `latents` as one batch (count, C, vh, vw).
torch::Tensor crop_batch(const torch::Tensor& latents, const ViewGrid& grid, size_t first, size_t count) {
  std::vector<torch::Tensor> crops;
  for (size_t i = first; i < first + count; ++i) crops.push_back(panorama::crop(latents, grid.views[i]));
  return torch::cat(crops);
}

// Adds each view's result, weighted, to `value` in view order.
void accumulate_batch(torch::Tensor& value, const ViewGrid& grid, const torch::Tensor& weights, size_t first,
                      const torch::Tensor& results) {
  for (int64_t j = 0; j < results.size(0); ++j) {
    const auto index = first + size_t(j);
    panorama::accumulate(value, grid.views[index], results[j].unsqueeze(0) * weights[int64_t(index)]);
  }
}

void check_loop(const PanoramaLoop& loop, const torch::Tensor& latents) {
  const auto& grid = *loop.grid;
  if (latents.dim() != 4 || latents.size(0) != 1 || latents.size(2) != grid.height ||
      latents.size(3) != grid.width) {
    throw Error("panorama: latents of shape " + c10::str(latents.sizes()) + " do not fit the " +
                std::to_string(grid.height) + "x" + std::to_string(grid.width) + " view grid");
  }
  if (loop.view_batch_size < 1) throw Error("panorama: view batch size must be at least 1");
}

}  // namespace

void check_cancel(const PanoramaLoop& loop) {
  if (loop.cancel != nullptr && loop.cancel->load()) throw Cancelled();
}

torch::Tensor predict_views(const PanoramaLoop& loop, const torch::Tensor& views, int64_t step,
                            const std::vector<panorama::View>& where) {
  const ModelParts& parts = *loop.parts;
  UNet2DConditionModel unet = parts.unet;  // a non-const handle on the shared, unchanged module
  const int64_t k = views.size(0);
  const bool cfg = loop.text->has_uncond();
  auto input = loop.scheduler->scale_model_input(views, step).to(parts.dtype);
  if (cfg) input = torch::cat({input, input});
  UNetConditions conditions =
      loop.text->unet_conditions(k, {}, guidance_condition(parts, loop.guidance, input.size(0)));
  if (loop.time_ids.defined()) {  // SDXL: each view is a crop of the canvas at its own place
    if (where.size() != size_t(k)) throw Error("predict_views: " + std::to_string(where.size()) + " places for " + std::to_string(k) + " views");
    const int64_t factor = parts.vae->config().downscale_factor();
    std::vector<std::array<int64_t, 2>> corners;
    for (const panorama::View& v : where) corners.push_back({v.h0 * factor, v.w0 * factor});
    conditions.time_ids = sdxl_crop_time_ids(loop.time_ids, corners);
    if (cfg) conditions.time_ids = torch::cat({conditions.time_ids, conditions.time_ids});
  }
  auto out = unet->forward(input, loop.scheduler->timesteps()[step], loop.text->unet_batch(k), conditions);
  if (cfg) out = apply_guidance(out, loop.guidance);
  return out.to(torch::kFloat32);
}

torch::Tensor multidiffusion_loop(const PanoramaLoop& loop, torch::Tensor latents, NoiseSource& noise) {
  check_loop(loop, latents);
  const auto& grid = *loop.grid;
  const auto& scheduler = *loop.scheduler;
  const auto device = latents.device();
  const auto weights = grid.weights.to(device);
  const auto total = grid.total.to(device);
  latents = latents.to(torch::kFloat32);
  ViewCropNoise view_noise(noise, latents.sizes().vec());
  const auto steps = scheduler.num_steps();
  const auto batch = size_t(loop.view_batch_size);
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < steps; ++i) {
    view_noise.next_step();
    const auto starts = loop.view_crops ? loop.view_crops(i, latents) : torch::Tensor();
    auto value = torch::zeros_like(latents);
    for (size_t first = 0; first < grid.views.size(); first += batch) {
      check_cancel(loop);
      const auto count = std::min(batch, grid.views.size() - first);
      const auto views = starts.defined() ? starts.narrow(0, int64_t(first), int64_t(count))
                                          : crop_batch(latents, grid, first, count);
      view_noise.set_views(&grid.views[first], count);
      const std::vector<panorama::View> where(grid.views.begin() + long(first), grid.views.begin() + long(first + count));
      const auto prev = scheduler.step(predict_views(loop, views, i, where), i, views, view_noise).prev_sample;
      accumulate_batch(value, grid, weights, first, prev.to(torch::kFloat32));
    }
    latents = value / total;
    if (loop.progress) loop.progress(int(i + 1), int(steps));
  }
  return latents;
}

torch::Tensor tiled_loop(const PanoramaLoop& loop, torch::Tensor latents, NoiseSource& noise) {
  check_loop(loop, latents);
  const auto& grid = *loop.grid;
  const auto& scheduler = *loop.scheduler;
  const auto device = latents.device();
  const auto weights = grid.weights.to(device);
  const auto total = grid.total.to(device);
  const auto timesteps = scheduler.timesteps();
  latents = latents.to(torch::kFloat32);
  const auto steps = scheduler.num_steps();
  const auto batch = size_t(loop.view_batch_size);
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < steps; ++i) {
    auto value = torch::zeros_like(latents);
    for (size_t first = 0; first < grid.views.size(); first += batch) {
      check_cancel(loop);
      const auto count = std::min(batch, grid.views.size() - first);
      const auto views = crop_batch(latents, grid, first, count);
      const std::vector<panorama::View> where(grid.views.begin() + long(first), grid.views.begin() + long(first + count));
      const auto x0 = scheduler.denoise(predict_views(loop, views, i, where), views, timesteps.slice(0, i, i + 1));
      accumulate_batch(value, grid, weights, first, x0.to(torch::kFloat32));
    }
    // The reference leaves the blend undivided because its weights sum to 1; dividing by the sum
    // keeps that true for any grid, at the cost of one rounding.
    latents = value / total;
    if (i + 1 < steps) {
      const auto fresh = noise.randn(latents.sizes(), latents.options());
      latents = scheduler.add_noise(latents, fresh, timesteps.slice(0, i + 1, i + 2)).to(torch::kFloat32);
    }
    if (loop.progress) loop.progress(int(i + 1), int(steps));
  }
  return latents;
}

}  // namespace palette
