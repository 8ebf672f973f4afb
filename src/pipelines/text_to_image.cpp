#include "pipelines/pipeline_common.h"
#include "palette/utf8.h"
#include "pipelines/text_to_image.h"

#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <random>
#include <sstream>
#include <string>

#include "models/model_parts.h"
#include "models/out_of_memory.h"
#include "palette/model.h"
#include "pipelines/image_tensor.h"
#include "pipelines/prompt_encoding.h"
#include "sampling/scheduler.h"

namespace palette {

namespace {

using pipeline::Clock;
using pipeline::elapsed_ms;

using pipeline::check_canvas_side;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + ")";
}

void check_cancel(const RenderOptions& options) {
  if (options.cancel != nullptr && options.cancel->load()) throw Cancelled();
}

// The sampler for this run with its timesteps set: every model-dependent check happens here,
// before any network runs.
std::unique_ptr<Scheduler> make_run_scheduler(const ModelParts& parts, const RenderOptions& options) {
  auto scheduler = make_scheduler(parts.scheduler_config, options.sampler, "scheduler_config.json");
  scheduler->set_timesteps(options.steps);
  return scheduler;
}

// SDXL's micro-conditioning: the picture's own size unless the options say otherwise.
torch::Tensor sdxl_time_ids(const ModelParts& parts, const RenderOptions& o) {
  const std::array<int, 2> own = {o.height, o.width};
  return sdxl_time_ids(parts, o.original_size.value_or(own), o.crop_top_left, o.target_size.value_or(own));
}

}  // namespace

void validate_render_options(const RenderOptions& options) {
  check_canvas_side("width", options.width);
  check_canvas_side("height", options.height);
  if (options.steps < 1) throw Error("steps " + std::to_string(options.steps) + " must be at least 1");
  pipeline::check_guidance("guidance", options.guidance);
  check_utf8(options.prompt, "prompt");
  check_utf8(options.negative_prompt, "negative_prompt");
  if (options.clip_skip < 1)
    throw Error("clip_skip " + std::to_string(options.clip_skip) + " must be at least 1");
  // The ids travel in the model's dtype: beyond float16's range (65504) they would turn into infinities.
  const int most = kMaxImageSide;
  const auto check_pair = [most](const char* field, const std::array<int, 2>& v, int low, const char* first,
                                 const char* second) {
    for (int x : v)
      if (x < low || x > most)
        throw Error(std::string(field) + " (" + first + " " + std::to_string(v[0]) + ", " + second + " " +
                    std::to_string(v[1]) + "): each must be " + std::to_string(low) + " … " + std::to_string(most) +
                    " pixels");
  };
  if (options.original_size) check_pair("original_size", *options.original_size, 1, "height", "width");
  if (options.target_size) check_pair("target_size", *options.target_size, 1, "height", "width");
  check_pair("crop_top_left", options.crop_top_left, 0, "top", "left");
  // Only the name can be checked without the model's config; that is enough to name a typo.
  if (options.sampler) make_scheduler(nlohmann::json::object(), options.sampler);
}

TextToImageLatents text_to_image_latents(const ModelParts& parts, const RenderOptions& options,
                                         NoiseSource& noise, const torch::Tensor& initial_noise) {
  validate_render_options(options);
  const auto scheduler = make_run_scheduler(parts, options);
  const int64_t factor = parts.vae->config().downscale_factor();
  const std::vector<int64_t> shape = {1, parts.unet->config().in_channels, options.height / factor,
                                      options.width / factor};
  if (initial_noise.defined() && initial_noise.sizes() != at::IntArrayRef(shape))
    throw Error("initial noise must be " + shape_text(shape) + " for a " + std::to_string(options.width) +
                "×" + std::to_string(options.height) + " image, got " +
                shape_text(initial_noise.sizes().vec()));
  const bool cfg = uses_classifier_free_guidance(parts, options.guidance);
  check_cancel(options);

  TextToImageLatents out;
  out.sampler = scheduler->sampler();
  auto start = Clock::now();
  const PromptEmbeddings text =
      encode_prompt(parts, options.prompt, options.negative_prompt, cfg, options.clip_skip);
  const torch::Tensor hidden = text.unet_batch();
  const UNetConditions conditions = text.unet_conditions(1, parts.text_encoder_2 ? sdxl_time_ids(parts, options) : torch::Tensor(),
                                                         guidance_condition(parts, options.guidance, 1));
  out.text_ms = elapsed_ms(start, parts.device);

  start = Clock::now();
  const auto on_model = torch::dtype(parts.dtype).device(parts.device);
  torch::Tensor latents = initial_noise.defined() ? initial_noise.to(on_model) : noise.randn(shape, on_model);
  latents = latents * scheduler->init_noise_sigma();
  UNet2DConditionModel unet = parts.unet;  // a non-const handle on the shared, unchanged module
  torch::NoGradGuard no_grad;
  const int total = static_cast<int>(scheduler->num_steps());
  for (int64_t i = 0; i < total; ++i) {
    check_cancel(options);
    const torch::Tensor input =
        scheduler->scale_model_input(cfg ? torch::cat({latents, latents}) : latents, i);
    torch::Tensor prediction = unet->forward(input, scheduler->timesteps()[i], hidden, conditions);
    if (cfg) prediction = apply_guidance(prediction, options.guidance);
    latents = scheduler->step(prediction, i, latents, noise).prev_sample;
    if (options.progress) options.progress(static_cast<int>(i + 1), total);
  }
  out.denoise_ms = elapsed_ms(start, parts.device);
  out.latents = latents;
  return out;
}

namespace {

RenderResult render_on_device(const Model& model, const RenderOptions& options) {
  const auto start = Clock::now();
  validate_render_options(options);
  const ModelParts& parts = model_parts(model);
  make_run_scheduler(parts, options);  // model-dependent checks before the seed is even drawn

  RenderResult result;
  result.seed = options.seed ? *options.seed : std::random_device{}();
  SeededNoise noise(result.seed);
  TextToImageLatents run = text_to_image_latents(parts, options, noise);
  check_cancel(options);

  const auto decode_start = Clock::now();
  result.image = to_image(decode_latents(parts, run.latents));
  result.sampler = std::move(run.sampler);
  result.timings.text_ms = run.text_ms;
  result.timings.denoise_ms = run.denoise_ms;
  result.timings.decode_ms = elapsed_ms(decode_start, torch::kCPU);
  result.timings.total_ms = elapsed_ms(start, torch::kCPU);
  return result;
}

}  // namespace

RenderResult render(const Model& model, const RenderOptions& options) {
  return with_memory_errors([&] { return render_on_device(model, options); });
}

}  // namespace palette
