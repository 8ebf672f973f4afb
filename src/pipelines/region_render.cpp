// The one-shot region pipeline (docs/algorithms.md §4 "One-shot pipeline"): per step, every layer is
// denoised in one UNet call per view and the layers' results are blended by their masks — with LCM
// (SD 1.x/2.x) each layer's x0, re-noised to the next step after the blend; for SDXL, as the authors'
// SDXL pipeline, each layer's Euler step to the next σ, which the blend is (nothing re-noised). The first
// steps bootstrap: each layer sees its own prompt only inside its mask, on a noised white background,
// shifted so its mask sits at the canvas centre.
#include "pipelines/pipeline_common.h"
#include "pipelines/region_render.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <chrono>
#include <random>

#include "models/cuda_graph.h"
#include "models/model_parts.h"
#include "models/out_of_memory.h"
#include "palette/model.h"
#include "pipelines/background_image.h"
#include "pipelines/image_tensor.h"
#include "pipelines/panorama_views.h"
#include "pipelines/prompt_encoding.h"
#include "pipelines/region_parts.h"
#include "regions/bbox_shift.h"
#include "regions/mask_pipeline.h"
#include "sampling/scheduler.h"

namespace palette {

namespace {

using pipeline::Clock;
using pipeline::elapsed_ms;

void check_cancel(const RegionRequest& request) {
  if (request.cancel != nullptr && request.cancel->load()) throw Cancelled();
}

// Everything fixed for the whole run.
struct RegionRun {
  std::unique_ptr<Scheduler> scheduler;
  std::vector<int64_t> timesteps;
  std::vector<double> sigmas;  // SDXL's Euler stepping (RegionSchedule); empty for LCM
  torch::Tensor masks;          // (p, T, 1, h, w) quantized, model dtype and device
  bool has_background = false;  // some pixel is left uncovered by the layers at some step
  bool cfg = false;
  torch::Tensor hidden;      // the UNet's encoder_hidden_states: [uncond × p;] cond × p
  torch::Tensor pooled;      // SDXL: the pooled text embeddings, laid out as `hidden`
  torch::Tensor time_ids;    // SDXL: (1, 6) original and target size; each view writes its own crop
  torch::Tensor euler_noise; // Euler: the one draw that noises the background and white latents to each σ
  torch::Tensor background;  // clean latent blended in where the layers' coverage is < 1
  torch::Tensor white;       // clean latent of the white bootstrap image
  // With a background image (no all-ones layer then): the image at the canvas size, (1, 3, H, W) in
  // [0, 1], and the union of the layers' blurred masks, (1, 1, H, W), for the final pixel blend.
  torch::Tensor photo;
  torch::Tensor photo_cover;
  panorama::ViewGrid grid;
  torch::Tensor view_weights;  // (n, 1, vh, vw) model dtype and device
};

void prepare_masks(const ModelParts& parts, const RegionRequest& request, RegionRun& run) {
  MaskOptions options = region_mask_options(request.sampling, request.height, request.width,
                                            parts.vae->config().downscale_factor());
  options.blur_std.clear();
  options.strength.clear();
  if (!run.photo.defined()) {
    options.blur_std = {0.0};  // the background layer is never blurred, as in the app
    options.strength = {1.0};
  }
  for (const RegionLayer& layer : request.layers) {
    options.blur_std.push_back(layer.mask_blur_std);
    options.strength.push_back(layer.mask_strength);
  }
  const auto levels = mask_noise_levels(run.scheduler->alphas_cumprod(), run.timesteps);
  const ProcessedMasks processed = process_masks(region_mask_stack(request), levels, options);
  const torch::Tensor& q = processed.quantized;
  // The reference's do_blend weights: the blurred masks before strength, summed over the layers.
  if (run.photo.defined()) run.photo_cover = processed.blurred.sum(0, true).clamp(0, 1).to(parts.device);
  // As the reference: a background latent takes part only where the layers leave something uncovered.
  run.has_background = (1 - q.sum(0)).clamp(0, 1).sum().item<double>() > 0;
  run.masks = q.to(parts.device, parts.dtype);
}

// Per-layer conditioning, background first, each layer interpolated towards the background prompt (the
// pooled SDXL embeddings as well, as the authors' SDXL pipeline does).
TextConditioning layer_embeddings(const ModelParts& parts, const RegionRequest& request, bool negative) {
  std::vector<std::string> prompts = {negative ? request.background.negative_prompt
                                               : request.background.prompt};
  for (const RegionLayer& l : request.layers) prompts.push_back(negative ? l.negative_prompt : l.prompt);
  const TextConditioning e = encode_texts(parts, prompts);
  const auto mix = [&](const torch::Tensor& all) {
    if (!all.defined()) return torch::Tensor();
    std::vector<torch::Tensor> mixed;
    // With a background image the background prompt is no layer of its own, only what layers lean to.
    if (!request.background.image) mixed.push_back(all.slice(0, 0, 1));
    for (size_t i = 0; i < request.layers.size(); ++i) {
      const double s = request.layers[i].prompt_strength;
      mixed.push_back(towards_background(all.slice(0, 0, 1), all.slice(0, int64_t(i) + 1, int64_t(i) + 2), s));
    }
    return torch::cat(mixed);
  };
  return {mix(e.hidden), mix(e.pooled)};
}

void prepare_latents(const ModelParts& parts, const RegionRequest& request, RegionRun& run,
                     NoiseSource& noise) {
  const bool photo = run.photo.defined();
  const bool needs_white = request.sampling.bootstrap_steps > 0 || (run.has_background && !photo);
  // Without a background image both latents encode the same white image; only their draws differ.
  GaussianPosterior white;
  if (needs_white) white = white_posterior(parts, request.height, request.width);
  if (run.has_background)
    run.background = posterior_latent(photo ? image_posterior(parts, run.photo) : white, parts, noise);
  if (request.sampling.bootstrap_steps > 0) run.white = posterior_latent(white, parts, noise);
}

torch::Tensor step_tensor(int64_t t) {
  return torch::tensor({t}, torch::kInt64);
}

// Accumulators of one step over all views.
struct Blend {
  torch::Tensor value;  // (1, 4, h, w): Σ weight · (x0 with LCM, the next latent with Euler)
  torch::Tensor count;  // (1, 1, h, w): Σ weight
};

// One view of step k: the layers' x0 there (Euler: their next latents), weighted by their masks (and the
// tile's weight), added to `blend`.
void denoise_view(const ModelParts& parts, const RegionRequest& request, const RegionRun& run, int64_t k,
                  size_t j, const torch::Tensor& latent, Blend& blend, NoiseSource& noise) {
  const RegionSampling& s = request.sampling;
  const panorama::View& view = run.grid.views[j];
  const int64_t p = run.masks.size(0);
  const torch::Tensor t = step_tensor(run.timesteps[size_t(k)]);
  torch::Tensor mask = panorama::crop(run.masks.select(1, k), view);  // (p, 1, vh, vw)
  torch::Tensor x = panorama::crop(latent, view).repeat({p, 1, 1, 1});
  const bool bootstrap = k < s.bootstrap_steps;
  torch::Tensor boot_bg;
  ShiftOptions shift;
  const bool euler = !run.sigmas.empty();
  if (bootstrap) {
    const double mix = std::clamp(s.bootstrap_mix_steps - double(k), 0.0, 1.0);
    // Without a background latent the background layer's own latent stands in for it.
    const torch::Tensor bg = run.has_background ? panorama::crop(run.background, view) : x.slice(0, 0, 1);
    if (euler) {  // the run's one draw noises white and background to this step's σ; the layer's own is noisy
      const torch::Tensor sigma_noise = run.sigmas[size_t(k)] * panorama::crop(run.euler_noise, view);
      boot_bg = mix * (panorama::crop(run.white, view) + sigma_noise) +
                (1.0 - mix) * (run.has_background ? bg + sigma_noise : bg);
    } else {
      boot_bg = mix * panorama::crop(run.white, view) + (1.0 - mix) * bg;
      boot_bg = run.scheduler->add_noise(boot_bg, noise.randn(boot_bg.sizes(), boot_bg.options()), t);
    }
    x = (1.0 - mask) * boot_bg + mask * x;
    shift.edges = s.reference_wrapping_shift ? ShiftEdges::Wrap : ShiftEdges::Fill;
    shift.fill = boot_bg;
    x = shift_to_mask_bbox_center(x, mask, shift);
  }
  UNet2DConditionModel unet = parts.unet;  // a non-const handle on the shared, unchanged module
  torch::Tensor input = run.cfg ? torch::cat({x, x}) : x;
  UNetConditions conditions{guidance_condition(parts, s.guidance, input.size(0)), run.pooled, {}};
  if (run.time_ids.defined()) {  // SDXL: each view is a crop of the canvas, and says where (in pixels)
    const int64_t factor = parts.vae->config().downscale_factor();
    conditions.time_ids = sdxl_crop_time_ids(run.time_ids, {{view.h0 * factor, view.w0 * factor}});
  }
  if (euler) input = input / std::sqrt(run.sigmas[size_t(k)] * run.sigmas[size_t(k)] + 1);
  torch::Tensor eps = unet->forward(input, torch::scalar_tensor(run.timesteps[size_t(k)], torch::kInt64),
                                    run.hidden, conditions);
  if (run.cfg) eps = apply_guidance(eps, s.guidance);
  // LCM: the layer's x0. Euler: its ODE step to the next σ (in float32, as the authors), what is blended.
  torch::Tensor x0 = euler ? (x.to(torch::kFloat) + eps.to(torch::kFloat) * (run.sigmas[size_t(k) + 1] - run.sigmas[size_t(k)]))
                                 .to(x.scalar_type())
                           : run.scheduler->denoise(eps, x, t);
  if (bootstrap) {
    x0 = shift_back_from_mask_bbox_center(x0, mask, shift);
    // Leak removal: where a layer's x0 stayed close to the bootstrap background it drew nothing of
    // its own there, so its weight fades (2·sigmoid(d/s) − 1 is 0 at d = 0).
    const torch::Tensor leak = (x0 - boot_bg).pow(2).mean(1, true);
    mask = mask * (torch::sigmoid(leak / s.leak_sensitivity) * 2 - 1);
  }
  mask = mask * run.view_weights[int64_t(j)];
  panorama::accumulate(blend.value, view, (mask * x0).sum(0, true));
  panorama::accumulate(blend.count, view, mask.sum(0, true));
}

RegionRun prepare_run(const ModelParts& parts, const RegionRequest& request) {
  RegionRun run;
  RegionSchedule schedule = region_schedule(parts, request.sampling);
  run.scheduler = std::move(schedule.scheduler);
  run.timesteps = std::move(schedule.timesteps);
  run.sigmas = std::move(schedule.sigmas);
  if (parts.text_encoder_2)  // SDXL: the canvas is both the original and the target size
    run.time_ids = sdxl_time_ids(parts, {int(request.height), int(request.width)}, {0, 0},
                                 {int(request.height), int(request.width)});
  if (request.background.image)
    run.photo = background_pixels(*request.background.image, request.height, request.width, parts.device);
  prepare_masks(parts, request, run);
  run.cfg = uses_classifier_free_guidance(parts, request.sampling.guidance);
  const int64_t factor = parts.vae->config().downscale_factor();
  const int64_t tile_px = request.sampling.tile_size > 0 ? request.sampling.tile_size : parts.text_encoder_2 ? 1024 : 768;
  const int64_t tile = (tile_px + factor - 1) / factor;
  // A side no longer than the tile gets one view of weight 1 along it.
  run.grid = panorama::tiled_grid(request.height / factor, request.width / factor, tile, false);
  run.view_weights = run.grid.weights.unsqueeze(1).to(parts.device, parts.dtype);
  return run;
}

// Nothing painted over a background image: the picture itself (its latent, and a blend that keeps
// every pixel), as the reference returns the background when there are no prompts.
RegionLatents background_only(const ModelParts& parts, const RegionRequest& request, NoiseSource& noise) {
  torch::NoGradGuard no_grad;
  const auto start = Clock::now();
  RegionLatents out;
  out.background_pixels =
      background_pixels(*request.background.image, request.height, request.width, parts.device);
  out.latents = posterior_latent(image_posterior(parts, out.background_pixels), parts, noise);
  out.background_cover = torch::zeros({1, 1, request.height, request.width}, torch::device(parts.device));
  out.denoise_ms = elapsed_ms(start, parts.device);
  return out;
}

}  // namespace

RegionLatents region_latents(const ModelParts& parts, const RegionRequest& request, NoiseSource& noise) {
  validate_region_request(request);
  if (request.background.image && request.layers.empty()) return background_only(parts, request, noise);
  RegionRun run = prepare_run(parts, request);
  check_cancel(request);
  torch::NoGradGuard no_grad;

  RegionLatents out;
  auto start = Clock::now();
  const TextConditioning cond = layer_embeddings(parts, request, false);
  run.hidden = cond.hidden;
  run.pooled = cond.pooled;
  if (run.cfg) {
    const TextConditioning uncond = layer_embeddings(parts, request, true);
    run.hidden = torch::cat({uncond.hidden, run.hidden});
    if (run.pooled.defined()) run.pooled = torch::cat({uncond.pooled, run.pooled});
  }
  out.text_ms = elapsed_ms(start, parts.device);

  start = Clock::now();
  prepare_latents(parts, request, run, noise);
  const int64_t factor = parts.vae->config().downscale_factor();
  const auto on_model = torch::dtype(parts.dtype).device(parts.device);
  const std::vector<int64_t> shape = {1, parts.unet->config().in_channels, request.height / factor,
                                      request.width / factor};
  torch::Tensor latent = noise.randn(shape, on_model);
  const bool euler = !run.sigmas.empty();
  if (euler) {
    // The authors' SDXL pipeline: one draw noises the background to every σ (and the white latent while
    // bootstrapping); without a background to start from it draws once more and starts from pure noise.
    // It scales that by the grid's largest σ; the first step's σ is meant (the same for the stream's
    // schedule, which starts at 999), and is what is used here.
    if (run.timesteps[0] < 999 && run.has_background) {
      run.euler_noise = latent;
      latent = run.background + run.sigmas[0] * latent;
    } else {
      run.euler_noise = noise.randn(shape, on_model);
      latent = run.euler_noise * run.sigmas[0];
    }
  } else if (run.timesteps[0] < 999 && run.has_background) {
    // The reference starts from the noised background when the first step is not pure noise.
    latent = run.scheduler->add_noise(run.background, latent, step_tensor(run.timesteps[0]));
  }

  const int total = int(run.timesteps.size());
  for (int64_t k = 0; k < total; ++k) {
    check_cancel(request);
    Blend blend{torch::zeros_like(latent), torch::zeros({1, 1, shape[2], shape[3]}, on_model)};
    for (size_t j = 0; j < run.grid.views.size(); ++j)
      denoise_view(parts, request, run, k, j, latent, blend, noise);
    latent = torch::where(blend.count > 0, blend.value / blend.count, blend.value);
    if (run.has_background) {
      const torch::Tensor uncovered = (1 - blend.count).clamp(0, 1);
      // Euler: what is left uncovered is the background at the next step's σ (clean after the last).
      const torch::Tensor background =
          euler ? run.background + run.sigmas[size_t(k) + 1] * run.euler_noise : run.background;
      latent = (1 - uncovered) * latent + uncovered * background;
    }
    if (k + 1 < total && !euler)
      latent =
          run.scheduler->add_noise(latent, noise.randn(shape, on_model), step_tensor(run.timesteps[k + 1]));
    if (request.progress) request.progress(int(k + 1), total);
  }
  out.denoise_ms = elapsed_ms(start, parts.device);
  out.latents = latent;
  out.sampler = euler ? Sampler::euler : Sampler::lcm;
  // As the reference: the pixel blend only where the layers leave a background.
  if (run.photo.defined() && run.has_background) {
    out.background_pixels = run.photo;
    out.background_cover = run.photo_cover;
  }
  return out;
}

namespace {

RegionResult render_regions_on_device(const Model& model, const RegionRequest& request) {
  const auto start = Clock::now();
  validate_region_request(request);
  const EagerGpuWork gpu_work(model_parts(model).device);  // live streams record no graphs meanwhile
  RegionResult result;
  result.seed = request.seed ? *request.seed : std::random_device{}();
  SeededNoise noise(result.seed);
  RegionLatents run = region_latents(model_parts(model), request, noise);
  result.sampler = run.sampler;
  check_cancel(request);
  const auto decode_start = Clock::now();
  torch::Tensor decoded = decode_latents(model_parts(model), run.latents);
  if (run.background_cover.defined())
    decoded = blend_over_background(decoded, run.background_pixels, run.background_cover);
  result.image = to_image(decoded);
  result.timings.text_ms = run.text_ms;
  result.timings.denoise_ms = run.denoise_ms;
  result.timings.decode_ms = elapsed_ms(decode_start, model_parts(model).device);
  result.timings.total_ms = elapsed_ms(start, model_parts(model).device);
  return result;
}

}  // namespace

RegionResult render_regions(const Model& model, const RegionRequest& request) {
  return with_memory_errors([&] { return render_regions_on_device(model, request); });
}

}  // namespace palette
