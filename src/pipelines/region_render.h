// The one-shot region pipeline behind palette::render_regions (StreamMultiDiffusion's __call__,
// docs/algorithms.md §4 "One-shot pipeline"), with the noise made injectable so tests can replay the
// reference's draws.
//
//   palette::SeededNoise noise(7);
//   auto run = palette::region_latents(model_parts(model), request, noise);
//   torch::Tensor decoded = palette::decode_latents(model_parts(model), run.latents);
//
// Order of draws, all (1, 4, ·, ·) standard normal in the model's dtype:
//   1. when the layers leave any pixel uncovered at some step ("has a background"): the posterior
//      sample of the background image's VAE encoding (of a white image when the request has none),
//      (1, 4, h, w);
//   2. when bootstrap_steps > 0: the posterior sample of the white bootstrap image, (1, 4, h, w);
//   3. the initial latent, (1, 4, h, w);
//   4. during each bootstrap step, per view (row-major): the noise that brings the bootstrap
//      background to the step's timestep, (1, 4, view h, view w);
//   5. after every step but the last: the re-noising of the blended x0, (1, 4, h, w).
// With a background image and no layers there is one draw, the image's posterior sample, and no step.
// Failures: palette::Error for an invalid request, before any network runs; palette::Cancelled.
// Thread safety: as render_regions; `noise` belongs to this call while it runs.
#pragma once

#include <torch/types.h>

#include <vector>

#include "palette/regions.h"
#include "sampling/noise_source.h"

namespace palette {

struct ModelParts;

struct RegionLatents {
  torch::Tensor latents;  // the final latents (1, 4, height/8, width/8), model dtype and device
  // With a background image and a background latent: the image (1, 3, H, W) in [0, 1] and the union of
  // the layers' blurred masks (1, 1, H, W), to blend the decoded picture into (blend_over_background).
  // Undefined otherwise.
  torch::Tensor background_pixels;
  torch::Tensor background_cover;
  double text_ms = 0;     // prompt encoding
  double denoise_ms = 0;  // VAE encoding of the white image and the denoising loop
  Sampler sampler = Sampler::lcm;  // how the steps ran (euler for SDXL: RegionSchedule::euler())
};

RegionLatents region_latents(const ModelParts& parts, const RegionRequest& request, NoiseSource& noise);

// The masks of all layers, background first (all ones; left out with a background image), each resized
// bilinearly to the image size: (layers [+ 1], 1, height, width) float32 on the CPU. Assumes a
// validated request.
torch::Tensor region_mask_stack(const RegionRequest& request);

}  // namespace palette
