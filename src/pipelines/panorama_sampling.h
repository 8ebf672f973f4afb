// The panorama denoising loops behind palette::render_panorama(), with the initial latent and every
// random draw injectable so tests can reproduce a reference run draw for draw.
//
//   palette::SeededNoise noise(7);
//   auto run = palette::panorama_latents(model_parts(model), options, noise);   // options: PanoramaOptions
//   palette::Image image = palette::decode_panorama(model_parts(model), run.latents, options.circular);
//
// Order of draws:
//   multidiffusion  the initial latent (1, 4, height/8, width/8) first (unless `initial_noise` is
//                   given), then for samplers that draw per step (LCM, Euler ancestral) one canvas-
//                   sized draw per step, cropped to each view (diffusers draws per view batch instead,
//                   which makes the result depend on the batching and gives overlapping views
//                   unrelated noise; DDIM, the reference's sampler, draws nothing).
//   tiled           the initial latent, then one canvas-sized draw before every step but the first
//                   (the re-noising of the blended x0), as the StreamMultiDiffusion authors' panorama.
// Failures: palette::Error for invalid options before any network runs; palette::Cancelled.
// Thread safety: as palette::render_panorama(); `noise` belongs to this call while it runs.
#pragma once

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "palette/image.h"
#include "palette/panorama.h"
#include "pipelines/panorama_views.h"
#include "sampling/noise_source.h"

namespace palette {

struct ModelParts;
class Scheduler;
struct PromptEmbeddings;

// What the options come to once the method's defaults are filled in (model independent).
struct PanoramaSettings {
  PanoramaMethod method = PanoramaMethod::multidiffusion;
  std::optional<Sampler> sampler;  // nullopt = the model's own scheduler
  int steps = 0;        // 0 (tiled only): LCM's t_index_list [0, 4, 12, 25, 37] of 50; 5 for others
  double guidance = 7.5;
  int64_t latent_height = 0;  // pixels / vae_scale
  int64_t latent_width = 0;
  int64_t window = 64;  // latents
  int64_t stride = 8;   // latents
};

// Validates `options` (as validate_panorama_options) and fills in the defaults; `vae_scale` is the
// VAE's downscale factor (8 for Stable Diffusion).
PanoramaSettings resolve_panorama_settings(const PanoramaOptions& options, int64_t vae_scale = 8);

// The view grid of the settings' method on the settings' latent canvas.
panorama::ViewGrid panorama_grid(const PanoramaSettings& settings, bool circular);

struct PanoramaLatents {
  torch::Tensor latents;  // the final latents (1, 4, height/8, width/8), float32 on the model's device
  Sampler sampler = Sampler::lcm;  // the sampler that ran
  int views = 0;          // views per step
};

// Runs everything up to the final latents. `initial_noise`, when defined, replaces the first draw:
// unscaled standard-normal noise (1, 4, height/8, width/8) on any device (multiplied by the sampler's
// init_noise_sigma, as diffusers treats its `latents` argument). options.seed is ignored: every draw
// comes from `noise`.
PanoramaLatents panorama_latents(const ModelParts& parts, const PanoramaOptions& options, NoiseSource& noise,
                                 const torch::Tensor& initial_noise = {});

// The VAE's picture of panorama latents as RGB8. Circular: decoded with 8 latent columns of wrap-
// around on each side, then cut back (diffusers' decode_latents_with_padding), so the seam joins.
Image decode_panorama(const ModelParts& parts, const torch::Tensor& latents, bool circular);

// One denoising run over a view grid, the parts both loops share.
struct PanoramaLoop {
  const ModelParts* parts = nullptr;
  const Scheduler* scheduler = nullptr;  // timesteps set
  const PromptEmbeddings* text = nullptr;
  double guidance = 1.0;  // CFG scale, used when text has the negative half
  const panorama::ViewGrid* grid = nullptr;
  // SDXL: the time ids (1, 6) of the whole canvas (original and target size); each view writes its own
  // crop into them, as the StreamMultiDiffusion authors' SDXL pipeline does. Undefined for SD 1.x/2.x.
  torch::Tensor time_ids;
  int64_t view_batch_size = 1;
  std::function<void(int step, int total)> progress;
  const std::atomic<bool>* cancel = nullptr;
  // multidiffusion only, optional: the crops every view starts step `step` from, (n, C, vh, vw) in
  // view order, given the canvas; undefined = the plain crops. SyncDiffusion's gradient step.
  std::function<torch::Tensor(int64_t step, const torch::Tensor& latents)> view_crops;
};

// The UNet's output for a batch of view crops (k, C, vh, vw) at step `step`, guided when the text has
// its negative half (both halves in one UNet batch): (k, C, vh, vw) float32. Differentiable w.r.t.
// `views` when grad mode is on. `where` are the k views' places in the grid (SDXL's crop time ids).
torch::Tensor predict_views(const PanoramaLoop& loop, const torch::Tensor& views, int64_t step,
                            const std::vector<panorama::View>& where);
// Throws palette::Cancelled when the loop's cancel flag is raised.
void check_cancel(const PanoramaLoop& loop);

// MultiDiffusion: each step every view takes a scheduler step to x_{t−1}; the canvas becomes the
// weighted average of the views. `latents` (1, C, h, w) float32, already scaled for the sampler.
torch::Tensor multidiffusion_loop(const PanoramaLoop& loop, torch::Tensor latents, NoiseSource& noise);
// Tiled: each step every view predicts x0; the canvas x0 is their weighted average, re-noised to the
// next timestep with a fresh canvas-sized draw (none after the last step).
torch::Tensor tiled_loop(const PanoramaLoop& loop, torch::Tensor latents, NoiseSource& noise);

}  // namespace palette
