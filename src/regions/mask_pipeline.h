// The region masks of StreamMultiDiffusion (docs/algorithms.md §4 "Masks"): painted masks become, for every
// denoising step in flight, the latent-size weights with which each layer's prediction is blended.
//
//   auto levels = palette::mask_noise_levels(scheduler.alphas_cumprod(), {999, 919, 759, 499, 259});
//   palette::MaskOptions options;              // 512×512, discrete, cover alpha 0.3, std 1, strength 1
//   options.blur_std = {0.0, 8.0, 16.0};       // one per layer, or one for all
//   auto all = palette::process_masks(masks, levels, options);           // masks: (p, 1, H', W')
//   all.quantized;                             // (p, T, 1, H/8, W/8) float32, on masks' device
//   auto two = palette::process_masks(masks, levels, options, {2});      // layer 2 only: (1, T, 1, …)
//
// Layers are ordered bottom to top: a later layer covers the earlier ones. When layer i's mask changes,
// its own result changes, and so do those of layers 0..i−1 if its painted area (mask > 0) changed and
// covering is on; the other layers' results stay valid. A changed blur σ changes that layer, and every
// layer if it changes the largest σ under BlurWindow::LargestStd.
// Failures: palette::Error naming the argument or option and the problem; nothing is computed then.
// No host–device synchronisation: every check is on shapes and host-side options, so the pipeline can
// be queued on a GPU stream behind other work.
// Thread safety: pure functions of their arguments; safe to call from several threads at once.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "palette/region_mask_type.h"

namespace palette {


// How wide the truncated Gaussian kernel of each layer is.
enum class BlurWindow {
  PerLayer,    // radius ⌈3σ⌉ of the layer's own σ: a layer's blur never depends on another's settings
  LargestStd,  // radius ⌈3·max σ⌉ for every layer, as the reference's batched kernel: a small σ then
               // keeps more of its tail, so results differ from PerLayer by ~0.3 % near edges
};

// Which pixel of its latent cell a mask is read at when it is brought to latent size.
enum class CellSampling {
  Centre,           // pixel scale/2 of the cell (4 of 0…7 at scale 8, half a pixel past the centre 3.5): a
                    // region keeps its place to within half a pixel
  ReferenceCorner,  // torch's nearest resize, as the reference: the top-left pixel when the size is a multiple
                    // of the scale, so every region moves 3.5 px right and down at scale 8
                    // (docs/algorithms.md §4, a reference bug)
};

struct MaskOptions {
  int64_t height = 512;  // image size in pixels: masks are resized (bilinearly) to it
  int64_t width = 512;
  int64_t latent_scale = 8;  // image pixels per latent pixel (the VAE's factor): latents are H/8 × W/8
  RegionMaskType mask_type = RegionMaskType::Discrete;
  // Factor for a layer's mask wherever a later layer's mask is > 0. A value <= 0 turns covering off
  // (the reference's convention, which the fixtures rely on), it never erases covered pixels.
  double cover_alpha = 0.3;
  std::vector<double> blur_std = {
      1.0};  // Gaussian σ in image pixels: one for all, or one per layer; 0 = none
  std::vector<double> strength = {1.0};             // factor after the blur: one for all, or one per layer
  BlurWindow blur_window = BlurWindow::LargestStd;  // the reference's, so results match it
  CellSampling cell_sampling = CellSampling::Centre;
};

struct ProcessedMasks {
  torch::Tensor quantized;  // (k, T, 1, h, w): the blend weights of each requested layer at each step
  torch::Tensor blurred;    // (k, 1, H, W): after resize, cover and blur, before strength (the reference's
                            // masks_blurred, for a final pixel-space blend)
};

// σ_k = √(1 − ᾱ_{t_k}) for the given training timesteps, in float32 as the reference computes them.
// `alphas_cumprod`: 1-D, any device and floating dtype (read on the CPU; a GPU tensor costs one copy).
// Throws palette::Error when a timestep is outside [0, alphas_cumprod.size(0)) or the list is empty.
std::vector<float> mask_noise_levels(const torch::Tensor& alphas_cumprod,
                                     const std::vector<int64_t>& timesteps);

// The whole pipeline: resize → cover → blur → × strength → quantize against `noise_levels` (T values,
// strictly decreasing, in (0, 1], from mask_noise_levels) → one pixel per latent cell (options.cell_sampling).
// `masks`: (p, 1, H', W') on any device; floating values are clamped to [0, 1], uint8 is read as 0..255
// (divided by 255, unlike the reference apps, which passed 0/255 masks unnormalised), bool as 0/1.
// `layers`: which layers to compute, in the order wanted (empty = all p). Only those layers and the layers
// above them (for the cover) are touched, so one changed layer costs one layer's work.
// Results are float32 (float64 for float64 masks) on masks' device, freshly allocated, owned by the caller.
// Throws palette::Error on a bad shape, an empty or out-of-range layer index, an option list whose length
// is neither 1 nor p, a negative or non-finite std or strength, a size that gives an empty latent, or
// noise levels that are empty, not finite or not strictly decreasing.
ProcessedMasks process_masks(const torch::Tensor& masks, const std::vector<float>& noise_levels,
                             const MaskOptions& options, const std::vector<int64_t>& layers = {});

// Separable Gaussian blur with replicated borders: `x` (n, c, H, W), floating, any device; `std` one σ (in
// pixels) for all n items or one per item; σ <= 0 leaves an item unchanged. Returns a new tensor like x.
// The 1-D kernel is exp(−d²/2σ²) over |d| <= radius, normalised; the radius follows `window`.
// Throws palette::Error on a bad shape, a non-floating dtype, or a std list of the wrong length, negative
// or non-finite.
torch::Tensor gaussian_blur(const torch::Tensor& x, const std::vector<double>& std,
                            BlurWindow window = BlurWindow::LargestStd);

}  // namespace palette
