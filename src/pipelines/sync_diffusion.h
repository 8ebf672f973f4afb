// SyncDiffusion (Lee et al., NeurIPS 2023) inside the MultiDiffusion loop: during the first sync
// steps every view's latent takes a gradient step on LPIPS(its predicted clean picture, the anchor
// view's) before it is denoised. render_panorama wires it in through PanoramaLoop::view_crops.
//
//   SyncSettings sync = resolve_sync(parts, options.sync);        // loads LPIPS, checks the decoder
//   loop.view_crops = SyncStep(loop, sync);                       // loop: a PanoramaLoop that outlives it
//   latents = multidiffusion_loop(loop, latents, noise);
//
// Per sync step k (the authors' sample_syncdiffusion, docs/algorithms.md §5):
//   anchor = views[n / 2]; its x̂0 from a CFG UNet call without grad, decoded, LPIPS features kept;
//   for every other view j: g = ∂ LPIPS(decode(x̂0(x_j)), anchor) / ∂x_j through the decoder and the
//   UNet; x_j ← x_j − weight·decay^k·g; then the ordinary MultiDiffusion step from the moved x_j.
// The canvas does not change while the views are visited, so all gradients can be taken first and in
// batches (fast mode) without changing the result beyond rounding.
// Failures: palette::Error naming the field, the LPIPS file or the missing TAESD; palette::Cancelled.
// Thread safety: a SyncStep belongs to one run; the models are only read (their weights are frozen).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "models/lpips/lpips.h"
#include "palette/panorama.h"
#include "pipelines/panorama_sampling.h"

namespace palette {

struct ModelParts;

// SyncOptions checked and resolved against a model.
struct SyncSettings {
  Lpips lpips{nullptr};
  double weight = 20;
  double decay = 0.95;
  int64_t steps = 10;  // sync on steps [0, steps)
  SyncDecoder decoder = SyncDecoder::vae;
  int64_t gradient_batch = 1;  // views per gradient pass (exact mode: 1)

  double weight_at(int64_t step) const;  // weight · decay^step
};

// The option checks validate_panorama_options makes (the file is not opened): palette::Error naming
// the field. Nothing is checked when sync is off.
void check_sync_options(const SyncOptions& options, PanoramaMethod method);

// Loads the LPIPS file unless a model is given (float32 on the model's device) and checks that the
// decoder exists. Throws palette::Error naming the LPIPS file or the missing TAESD.
SyncSettings resolve_sync(const ModelParts& parts, const SyncOptions& options);

// The picture LPIPS compares for clean latents x0 (k, C, h, w): decoded with the settings' decoder,
// brought into the picture range as the reference does ((x/2 + 0.5).clamp(0, 1)·2 − 1), in the LPIPS
// model's dtype on its device. Differentiable w.r.t. x0 when grad mode is on.
torch::Tensor sync_images(const ModelParts& parts, const SyncSettings& settings, const torch::Tensor& x0);

// For a batch of view crops (k, C, vh, vw) at step `step`: ∂/∂views of Σ_j LPIPS(picture of x̂0(view_j),
// anchor), i.e. each view's gradient of its own distance, (k, C, vh, vw) float32. Runs with grad mode
// on whatever the caller's. `where` are the views' places in the grid (predict_views).
torch::Tensor sync_gradient(const PanoramaLoop& loop, const SyncSettings& settings,
                            const std::vector<torch::Tensor>& anchor_features, const torch::Tensor& views,
                            int64_t step, const std::vector<panorama::View>& where);

// The anchor view: the middle one, n / 2, as the reference.
size_t sync_anchor(const panorama::ViewGrid& grid);

// PanoramaLoop::view_crops for SyncDiffusion. Holds a pointer to `loop`, which must outlive it.
class SyncStep {
 public:
  SyncStep(const PanoramaLoop& loop, SyncSettings settings) : loop_(&loop), settings_(std::move(settings)) {}
  // Every view's crop after the gradient step (the anchor's unmoved), (n, C, vh, vw) float32; undefined
  // on steps without sync.
  torch::Tensor operator()(int64_t step, const torch::Tensor& latents) const;

 private:
  const PanoramaLoop* loop_;
  SyncSettings settings_;
};

}  // namespace palette
