// palette::render_panorama: options, defaults, scheduler and decode around the two loops of
// panorama_sampling.cpp.
#include "pipelines/pipeline_common.h"
#include "palette/panorama.h"

#include <torch/torch.h>

#include <cmath>
#include <optional>
#include <random>

#include "models/cuda_graph.h"
#include "models/model_parts.h"
#include "models/out_of_memory.h"
#include "palette/model.h"
#include "palette/utf8.h"
#include "pipelines/image_tensor.h"
#include "pipelines/panorama_sampling.h"
#include "pipelines/prompt_encoding.h"
#include "pipelines/sync_diffusion.h"
#include "sampling/scheduler.h"

namespace palette {
namespace {

constexpr int kDefaultWindow = 64;               // latents: SD 1.x's 512 px training size
constexpr int kDefaultStride = 8;                // latents: diffusers' MultiDiffusion stride
constexpr int kSyncDefaultStride = 16;           // latents: the SyncDiffusion authors' stride
constexpr int kMinWindow = 8;                    // latents: a smaller view gives the UNet nothing to work on
constexpr int kMultiDiffusionSteps = 50;         // diffusers' default
constexpr double kMultiDiffusionGuidance = 7.5;  // diffusers' default
constexpr double kTiledGuidance = 1.0;           // LCM: no CFG
constexpr int kTiledDefaultSteps = 5;            // for samplers other than LCM on the tiled method
// The StreamMultiDiffusion authors' LCM schedule: these indices of LCM's 50-step list, which gives the
// timesteps [999, 919, 759, 499, 259].
const std::vector<int64_t> kTiledIndexList = {0, 4, 12, 25, 37};
constexpr int64_t kTiledIndexGrid = 50;
// diffusers' decode_latents_with_padding: latent columns of wrap-around on each side.
constexpr int64_t kCircularDecodePadding = 8;

using pipeline::check_canvas_side;

void check_fields(const PanoramaOptions& options) {
  check_canvas_side("width", options.width);
  check_canvas_side("height", options.height);
  if (options.steps < 0)
    throw Error("steps " + std::to_string(options.steps) + " must be at least 1 (0: default)");
  if (options.guidance) pipeline::check_guidance("guidance", *options.guidance);
  check_utf8(options.prompt, "prompt");
  check_utf8(options.negative_prompt, "negative_prompt");
  if (options.window != 0 && options.window < kMinWindow)
    throw Error("window " + std::to_string(options.window) + " must be at least " +
                std::to_string(kMinWindow) + " latents (" + std::to_string(8 * kMinWindow) +
                " pixels), or 0 for the default");
  const int window = options.window != 0 ? options.window : kDefaultWindow;
  if (options.method == PanoramaMethod::tiled && options.stride != 0)
    throw Error("stride " + std::to_string(options.stride) +
                ": the tiled method always uses half the window; leave stride at 0");
  if (options.stride < 0 || options.stride > window)
    throw Error("stride " + std::to_string(options.stride) + " must be in 1 … window (" +
                std::to_string(window) + "), or 0 for the default");
  if (options.view_batch_size < 1)
    throw Error("view batch size " + std::to_string(options.view_batch_size) + " must be at least 1");
  if (options.sampler) make_scheduler(nlohmann::json::object(), options.sampler);  // refuses lcm_stream
  check_sync_options(options.sync, options.method);
}

// The run's sampler with its timesteps set; throws palette::Error for steps the sampler refuses.
// Every step's coefficients follow from its own timestep. (The reference's panorama with an explicit
// step count runs the UNet at the new timesteps but keeps the LCM coefficients of its default list.)
std::unique_ptr<Scheduler> make_panorama_scheduler(const ModelParts& parts, const PanoramaSettings& s) {
  auto scheduler = make_scheduler(parts.scheduler_config, s.sampler, "the model's scheduler config");
  if (s.steps != 0 || scheduler->sampler() != Sampler::lcm) {
    scheduler->set_timesteps(s.steps != 0 ? s.steps : kTiledDefaultSteps);
    return scheduler;
  }
  scheduler->set_timesteps(kTiledIndexGrid);
  std::vector<int64_t> picked;
  for (const auto index : kTiledIndexList) picked.push_back(int64_t(scheduler->timestep(index)));
  scheduler->set_custom_timesteps(picked);
  return scheduler;
}

torch::Tensor initial_latents(const ModelParts& parts, const PanoramaSettings& s, const Scheduler& scheduler,
                              NoiseSource& noise, const torch::Tensor& initial_noise) {
  const std::vector<int64_t> shape = {1, parts.unet->config().in_channels, s.latent_height, s.latent_width};
  const auto options = torch::dtype(torch::kFloat32).device(parts.device);
  if (initial_noise.defined() && initial_noise.sizes() != at::IntArrayRef(shape)) {
    throw Error("panorama: initial noise of shape " + c10::str(initial_noise.sizes()) + " does not fit a " +
                std::to_string(s.latent_width * 8) + "×" + std::to_string(s.latent_height * 8) + " panorama");
  }
  const auto latents = initial_noise.defined() ? initial_noise.to(options) : noise.randn(shape, options);
  return latents * scheduler.init_noise_sigma();
}

}  // namespace

const char* panorama_method_name(PanoramaMethod method) {
  return method == PanoramaMethod::tiled ? "tiled" : "multidiffusion";
}

PanoramaMethod parse_panorama_method(const std::string& name) {
  if (name == "multidiffusion") return PanoramaMethod::multidiffusion;
  if (name == "tiled") return PanoramaMethod::tiled;
  throw Error("unknown panorama method '" + name + "' (known: multidiffusion, tiled)");
}

void validate_panorama_options(const PanoramaOptions& options) {
  check_fields(options);
}

PanoramaSettings resolve_panorama_settings(const PanoramaOptions& options, int64_t vae_scale) {
  check_fields(options);
  PanoramaSettings s;
  s.method = options.method;
  s.latent_height = options.height / vae_scale;
  s.latent_width = options.width / vae_scale;
  const bool tiled = options.method == PanoramaMethod::tiled;
  s.sampler = options.sampler ? options.sampler : (tiled ? std::optional(Sampler::lcm) : std::nullopt);
  s.guidance = options.guidance ? *options.guidance : (tiled ? kTiledGuidance : kMultiDiffusionGuidance);
  s.steps = options.steps;
  if (s.steps == 0 && !tiled) s.steps = kMultiDiffusionSteps;
  if (tiled) {
    // The reference's default tile: the shorter side when that is less than the usual window.
    s.window = options.window != 0 ? options.window
                                   : std::min<int64_t>({kDefaultWindow, s.latent_height, s.latent_width});
    s.stride = s.window / 2;
  } else {
    s.window = options.window != 0 ? options.window : kDefaultWindow;
    const int default_stride = options.sync.enabled ? kSyncDefaultStride : kDefaultStride;
    s.stride = options.stride != 0 ? options.stride : default_stride;
  }
  return s;
}

panorama::ViewGrid panorama_grid(const PanoramaSettings& s, bool circular) {
  if (s.method == PanoramaMethod::tiled)
    return panorama::tiled_grid(s.latent_height, s.latent_width, s.window, circular);
  return panorama::multidiffusion_grid(s.latent_height, s.latent_width, s.window, s.stride, circular);
}

PanoramaLatents panorama_latents(const ModelParts& parts, const PanoramaOptions& options, NoiseSource& noise,
                                 const torch::Tensor& initial_noise) {
  const auto s = resolve_panorama_settings(options, parts.vae->config().downscale_factor());
  const auto scheduler = make_panorama_scheduler(parts, s);
  const auto grid = panorama_grid(s, options.circular);
  const auto sync = options.sync.enabled ? std::optional(resolve_sync(parts, options.sync)) : std::nullopt;
  if (options.cancel != nullptr && options.cancel->load()) throw Cancelled();

  const bool cfg = uses_classifier_free_guidance(parts, s.guidance);
  const PromptEmbeddings text = encode_prompt(parts, options.prompt, options.negative_prompt, cfg);
  PanoramaLoop loop;
  loop.parts = &parts;
  loop.scheduler = scheduler.get();
  loop.text = &text;
  loop.guidance = s.guidance;
  loop.grid = &grid;
  if (parts.text_encoder_2) {  // SDXL: the whole panorama is the original and the target size
    const int h = int(s.latent_height * parts.vae->config().downscale_factor());
    const int w = int(s.latent_width * parts.vae->config().downscale_factor());
    loop.time_ids = sdxl_time_ids(parts, {h, w}, {0, 0}, {h, w});
  }
  loop.view_batch_size = options.view_batch_size;
  loop.progress = options.progress;
  loop.cancel = options.cancel;
  if (sync) loop.view_crops = SyncStep(loop, *sync);

  auto latents = initial_latents(parts, s, *scheduler, noise, initial_noise);
  PanoramaLatents out;
  out.latents = s.method == PanoramaMethod::tiled ? tiled_loop(loop, latents, noise)
                                                  : multidiffusion_loop(loop, latents, noise);
  out.sampler = scheduler->sampler();
  out.views = int(grid.views.size());
  return out;
}

Image decode_panorama(const ModelParts& parts, const torch::Tensor& latents, bool circular) {
  torch::NoGradGuard no_grad;
  if (!circular) return to_image(decode_latents(parts, latents));
  const int64_t width = latents.size(-1);
  const int64_t pad = std::min(kCircularDecodePadding, width);
  const auto padded =
      torch::cat({latents.narrow(-1, width - pad, pad), latents, latents.narrow(-1, 0, pad)}, -1);
  const auto decoded = decode_latents(parts, padded);
  const int64_t pad_pixels = decoded.size(-1) / (width + 2 * pad) * pad;
  return to_image(decoded.narrow(-1, pad_pixels, decoded.size(-1) - 2 * pad_pixels));
}

namespace {

PanoramaResult render_panorama_on_device(const Model& model, const PanoramaOptions& options) {
  validate_panorama_options(options);
  const ModelParts& parts = model_parts(model);
  const EagerGpuWork gpu_work(parts.device);  // live streams record no graphs meanwhile
  const int64_t vae_scale = parts.vae->config().downscale_factor();
  const auto settings = resolve_panorama_settings(options, vae_scale);
  // Model-dependent checks before the seed is even drawn; the schedule's length is what ran.
  const int64_t steps = make_panorama_scheduler(parts, settings)->num_steps();

  PanoramaResult result;
  result.seed = options.seed ? *options.seed : std::random_device{}();
  SeededNoise noise(result.seed);
  auto run = panorama_latents(parts, options, noise);
  if (options.cancel != nullptr && options.cancel->load()) throw Cancelled();
  result.image = decode_panorama(parts, run.latents, options.circular);
  result.sampler = run.sampler;
  result.views = run.views;
  result.steps = int(steps);
  result.guidance = settings.guidance;
  result.window = int(settings.window * vae_scale);
  result.stride = int(settings.stride * vae_scale);
  return result;
}

}  // namespace

PanoramaResult render_panorama(const Model& model, const PanoramaOptions& options) {
  return with_memory_errors([&] { return render_panorama_on_device(model, options); });
}

}  // namespace palette
