// The text-to-image denoising loop behind palette::render(), with the noise made injectable so
// tests can reproduce a reference run draw for draw.
//
//   palette::SeededNoise noise(21);                       // as torch.Generator().manual_seed(21)
//   auto run = text_to_image_latents(model_parts(model), options, noise);
//   torch::Tensor decoded = decode_latents(model_parts(model), run.latents);
//
// Order of draws (as diffusers' StableDiffusionPipeline with one CPU generator): the initial latent
// first, (1, 4, height/8, width/8), then whatever the sampler draws per step (LCM, Euler ancestral).
// Failures: palette::Error for invalid options, before any network runs; palette::Cancelled.
// Thread safety: as palette::render(); `noise` belongs to this call while it runs.
#pragma once

#include <torch/types.h>

#include <string>

#include "palette/render.h"
#include "sampling/noise_source.h"

namespace palette {

struct ModelParts;

struct TextToImageLatents {
  torch::Tensor latents;  // the final latents (1, 4, height/8, width/8), model dtype and device
  Sampler sampler = Sampler::lcm;  // the sampler that ran
  double text_ms = 0;     // prompt encoding
  double denoise_ms = 0;  // the denoising loop
};

// Runs everything up to the final latents. `initial_noise`, when defined, replaces the first draw:
// unscaled standard-normal noise (1, 4, height/8, width/8) on any device, multiplied by the sampler's
// init_noise_sigma as diffusers treats its `latents` argument; `noise` then gives only the sampler's
// draws. options.seed is ignored: every draw comes from `noise`. Throws palette::Error for noise of
// the wrong shape.
TextToImageLatents text_to_image_latents(const ModelParts& parts, const RenderOptions& options,
                                         NoiseSource& noise, const torch::Tensor& initial_noise = {});

}  // namespace palette
