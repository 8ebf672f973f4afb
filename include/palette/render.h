// Text to image: one picture from a prompt with a loaded model, the way diffusers'
// StableDiffusionPipeline makes it (same seed, same sampler, same settings → the same latents).
//
//   palette::Model model = palette::Model::load("sd-turbo");
//   palette::RenderOptions options;
//   options.prompt = "a red house by the sea";
//   options.sampler = palette::Sampler::euler;  // nullopt = the model's own scheduler
//   options.steps = 1;
//   options.guidance = 0;
//   options.seed = 42;
//   options.progress = [](int step, int total) { std::cerr << step << "/" << total << "\n"; };
//   palette::RenderResult r = palette::render(model, options);
//   palette::write_png("house.png", r.image);
//
// Failures: palette::Error naming the field for invalid options (checked before any network runs),
// palette::Cancelled when the cancel flag was raised. Nothing partly rendered is returned.
// Thread safety: render() keeps all per-run state to itself; several renders may share one Model
// from several threads at once. The progress callback runs on the rendering thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "palette/error.h"
#include "palette/image.h"
#include "palette/sampler.h"

namespace palette {

class Model;

struct RenderOptions {
  std::string prompt;
  std::string negative_prompt;   // "" = none (CFG then uses the empty prompt, as diffusers)
  std::optional<Sampler> sampler;  // nullopt = the model's scheduler; lcm_stream is for layouts only
  int steps = 25;                // 1 … the sampler's limit (LCM: 50 with the usual config)
  double guidance = 7.5;         // CFG scale; ≤ 1 runs the UNet on the prompt alone (no CFG)
  std::optional<uint64_t> seed;  // PyTorch CPU-generator seed; empty = a random one (see RenderResult)
  int width = 512;               // pixels: a multiple of 8, 64 … kMaxImageSide
  int height = 512;              // pixels: a multiple of 8, 64 … kMaxImageSide
  int clip_skip = 1;             // 1 = last text-encoder layer, 2 = penultimate ("clip skip 2")
  // SDXL's micro-conditioning (other families ignore it), in pixels, as {height, width} and {top, left}:
  // the size the picture is to look as if it was cropped from, the crop's corner, and the size it is to
  // look made for. nullopt: the picture's own size, as diffusers defaults.
  std::optional<std::array<int, 2>> original_size, target_size;
  std::array<int, 2> crop_top_left = {0, 0};
  std::function<void(int step, int total)> progress;  // after each denoising step; may be empty
  const std::atomic<bool>* cancel = nullptr;          // set *cancel to true from any thread to stop
};

struct RenderTimings {
  double text_ms = 0;     // prompt encoding
  double denoise_ms = 0;  // all UNet steps and the sampler
  double decode_ms = 0;   // VAE decode and conversion to 8 bits
  double total_ms = 0;
};

struct RenderResult {
  Image image;          // width × height RGB8, owned by the result
  uint64_t seed = 0;    // the seed used (the random one when none was given)
  Sampler sampler = Sampler::lcm;  // the sampler that ran (ddim when options.sampler was nullopt for SD1, …)
  RenderTimings timings;
};

// Checks what can be checked without a model: size, steps, guidance, clip_skip, the sampler's name.
// Throws palette::Error naming the field and the accepted values; e.g. "width 100 is not a multiple
// of 8". render() calls it first; clients call it to fail before loading a model.
void validate_render_options(const RenderOptions& options);

// Renders one image with `model` (on its device, in its dtype). Throws palette::Error for invalid
// options (also model-dependent ones, such as more steps than the sampler allows) before any network
// runs, and palette::Cancelled when *options.cancel becomes true (checked before each step and
// before decoding).
RenderResult render(const Model& model, const RenderOptions& options);

}  // namespace palette
