// Pieces of the region pipeline shared by the one-shot render (region_render.cpp) and the stream
// engine (stream_engine.cpp), so both compute the same masks, schedule, embeddings and white latents.
// Failures: palette::Error naming the field or setting. Thread safety: pure functions of their arguments
// (the model is only read, but for the white posteriors it keeps, behind its own lock).
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "palette/regions.h"
#include "regions/mask_pipeline.h"
#include "sampling/noise_source.h"
#include "sampling/scheduler.h"

namespace palette {

struct ModelParts;
struct GaussianPosterior;

// The timesteps `sampling.t_index_list` picks from a grid of `index_steps` timesteps, and how each step
// moves the latent: for SD 1.x/2.x the LCM sampler (each layer denoised to x0, the blend re-noised);
// for SDXL the StreamMultiDiffusion authors' SDXL pipeline (Euler on a trailing grid: each layer takes an
// ODE step from its σ to the next, the blend is the next latent, nothing is re-noised). Both grids give
// the same timesteps (999, 919, 759, 499, 259 for the stream's schedule).
struct RegionSchedule {
  std::unique_ptr<Scheduler> scheduler;  // LCM set to exactly `timesteps`; for SDXL the trailing Euler
  std::vector<int64_t> timesteps;        // training timesteps, one per step, decreasing
  // Euler only: σ = √((1 − ᾱ)/ᾱ) at each timestep, then 0; empty for LCM.
  std::vector<double> sigmas;
  bool euler() const { return !sigmas.empty(); }
};
RegionSchedule region_schedule(const ModelParts& parts, const RegionSampling& sampling);

// The mask pipeline's options that the sampling settings decide (mask type, cover, how cells are read) for a
// canvas of height × width pixels and the VAE's `latent_scale`; per-layer blur and strength stay at their
// defaults for the caller to fill.
MaskOptions region_mask_options(const RegionSampling& sampling, int64_t height, int64_t width, int64_t latent_scale);

// A layer's mask as (1, 1, height, width) float32 on the CPU in [0, 1], resized bilinearly from
// whatever size it was painted at. Throws palette::Error naming `field` (e.g. "layers[2]") for a mask
// of the wrong rank, an empty one, NaN/infinite or out-of-range values, or a broken mask_image.
torch::Tensor region_layer_mask(const RegionLayer& layer, const std::string& field, int64_t height,
                                int64_t width);

// Checks a layer's strengths and blur (not its mask). Throws palette::Error naming `field`.
void validate_region_layer_settings(const RegionLayer& layer, const std::string& field);

// The VAE posterior of an all-white image (1 in [-1, 1]) of the given size, on the model's device.
// Kept by the model per size (a few sizes): the same tensors come back while the model lives.
GaussianPosterior white_posterior(const ModelParts& parts, int64_t height, int64_t width);

// A UNet-scale latent sampled from `posterior` with one (1, 4, h, w) draw from `noise`.
torch::Tensor posterior_latent(const GaussianPosterior& posterior, const ModelParts& parts, NoiseSource& noise);
// The same with the draw given: (1, 4, h, w) standard normal in the model's dtype and device.
torch::Tensor posterior_latent(const GaussianPosterior& posterior, const ModelParts& parts,
                               const torch::Tensor& draw);

// A layer's conditioning interpolated towards the background's: lerp(background, layer, strength).
// (The reference interpolates towards its own "simple white background image" prompt when the
// background is one of the layers, as in the app; a reference bug, docs/algorithms.md §4. With the
// default strength 1 both give the layer's own embedding.)
torch::Tensor towards_background(const torch::Tensor& background, const torch::Tensor& layer, double strength);

}  // namespace palette
