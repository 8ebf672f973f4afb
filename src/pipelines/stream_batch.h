// One stream mode's batch (docs/algorithms.md §4 and §7): the constants it builds from the layer stack when
// the stack changes, and the UNet call of one stream step over every slot. StreamEngine picks the mode's
// maker once, at construction; a step only calls denoise().
// Thread safety: immutable once made; denoise() writes the engine state it is handed.
#pragma once

#include <torch/types.h>

#include <memory>
#include <vector>

#include "pipelines/stream_state.h"

namespace palette {

class StreamBatch {
 public:
  virtual ~StreamBatch() = default;

  struct Denoised {
    torch::Tensor blend;  // (T, 4, h, w): every slot's x0 (Euler: next latent), the layers blended
    torch::Tensor count;  // (T, 1, h, w): the layers' summed weights (< 1 where the background shows)
  };
  // The x0 of slots first … first+n−1 from their inputs `latents` (n, 4, h, w): all T slots in a stream
  // call, one slot when a change settles along the diagonal (StreamEngine::settle). Counts the UNet call in
  // the stats; adds the UNet and blend times to `timings` when profiling.
  virtual Denoised denoise(StreamEngine::State& s, const torch::Tensor& latents, int64_t first,
                           StreamTimings& timings) const = 0;
  // Items of the UNet call: T·p (MultiDiffusion) or T (regional attention), twice that with CFG.
  virtual int64_t unet_items() const = 0;
};

// The stack's embeddings bottom to top: `uncond` empty without CFG, the pooled ones (SDXL) empty for other
// families.
struct StackEmbeddings {
  std::vector<torch::Tensor> cond, uncond, pooled_cond, pooled_uncond;
};

// An Euler schedule's per-item constants (SDXL: σ-space latents), undefined for other schedules. Items are
// slot-major, `p` per slot; the UNet's input scaling covers both halves of a guidance batch.
struct EulerItems {
  torch::Tensor input_scale;  // (B, 1, 1, 1) float32: 1/√(σ²+1) of each UNet item's slot
  torch::Tensor step_dt;      // (T·p, 1, 1, 1) float32: σ_next − σ of each item's slot
  bool defined() const { return step_dt.defined(); }
  // The UNet's input for latents `x` (its items, both CFG halves), in float32 and rounded once as the
  // one-shot render's division by a scalar.
  torch::Tensor scale_input(const torch::Tensor& x) const;
  // Each item's ODE step to its slot's next σ, in float32 as the authors' pipeline.
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& eps) const;
  // The constants of slots first … first+n−1 alone (this for all T).
  EulerItems slots(int64_t first, int64_t n, int64_t p, int64_t T, bool cfg) const;
};

// Slots first … first+n−1 of a slot-major per-item tensor with `per` items a slot: rows [first·per, (first+n)·per),
// from both halves of a guidance batch when `cfg` (the tensor then holds 2·T·per rows). The tensor itself for
// all T slots; undefined stays undefined.
torch::Tensor slot_items(const torch::Tensor& t, int64_t first, int64_t n, int64_t per, int64_t T, bool cfg);

// The UNet runner for a call over n of the T slots: the stream's (CUDA graphs) for all of them, an eager one
// for the diagonal's single slots, so settling records no graph of its own and evicts none of the stream's.
UNetGraphRunner& stream_unet(StreamEngine::State& s, int64_t n);
EulerItems euler_items(const StreamEngine::State& s, int64_t p);  // stream_step.cpp

// The makers, from the derived state whose table's stack constants (masks, has_background) are current.
// With an Euler schedule (SDXL) a slot's blend is the layers' steps to the next σ instead of their x0.
//   MultiDiffusion: one UNet item per (slot, layer), blended by the masks afterwards; the bootstrap slots
//   as in the one-shot pipeline (stream_multidiffusion.cpp).
std::shared_ptr<const StreamBatch> make_multidiffusion_batch(const StreamEngine::State& s, const StreamDerived& d,
                                                             const StackEmbeddings& e);
//   RegionalAttention: one UNet item per slot, the layers mixed inside cross-attention (stream_regional.cpp).
std::shared_ptr<const StreamBatch> make_regional_batch(const StreamEngine::State& s, const StreamDerived& d,
                                                       const StackEmbeddings& e);
// Regional attention's SDXL pooled embedding per slot, (T, D): the layers' `pooled` (p of (1, D)) averaged
// by the share of the canvas their `masks` (p, T, 1, h, w) hold at that slot; a slot with no weight
// anywhere averages them evenly. (The pooled embedding enters the time embedding: one per picture.)
torch::Tensor regional_pooled(const std::vector<torch::Tensor>& pooled, const torch::Tensor& masks);

}  // namespace palette
