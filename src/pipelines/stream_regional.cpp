// StreamMode::RegionalAttention (docs/algorithms.md §7): the stream batch with one UNet pass per slot. The
// layers meet inside the UNet's cross-attention, mixed by each slot's quantized masks, so there is
// no per-layer x0 to blend afterwards; the background latent and the re-noising are as in the
// MultiDiffusion call (stream_step.cpp). With an Euler schedule (SDXL) each slot takes its ODE step to the
// next σ. SDXL's pooled text embedding conditions the whole picture through the time embedding, so it
// cannot be mixed per pixel: each slot gets the layers' pooled embeddings averaged by the share of the
// canvas their weights hold at that slot.
#include <torch/torch.h>

#include "models/model_parts.h"
#include "pipelines/pipeline_common.h"
#include "pipelines/prompt_encoding.h"
#include "pipelines/region_parts.h"
#include "pipelines/stream_batch.h"

namespace palette {

namespace {

using pipeline::Clock;

class RegionalBatch final : public StreamBatch {
 public:
  RegionalBatch(const StreamEngine::State& s, const StreamDerived& d, const StackEmbeddings& e) {
    const std::vector<torch::Tensor>& cond = e.cond;
    const std::vector<torch::Tensor>& uncond = e.uncond;
    const torch::Tensor& masks = d.table.masks;
    // (G, p, 77, C): one group without CFG, the [uncond; cond] halves with it.
    const torch::Tensor contexts =
        s.cfg ? torch::stack({torch::cat(uncond), torch::cat(cond)}) : torch::cat(cond).unsqueeze(0);
    torch::Tensor weights = masks.transpose(0, 1);  // (T, p, 1, h, w): slot k's layer weights
    // Where no layer has weight at a slot, the MultiDiffusion blend keeps the background latent; the
    // attention still needs a mix there, and no layer has a better claim than another.
    const torch::Tensor covered = weights.sum(1, true) > 0;
    weights = torch::where(covered, weights, torch::ones_like(weights));
    if (s.cfg) weights = torch::cat({weights, weights});
    context_ = s.parts->unet->regional_context(contexts, weights);
    count_ = masks.sum(0);
    slot_timesteps_ = torch::tensor(s.schedule.timesteps, torch::kInt64);
    unet_timesteps_ = (s.cfg ? torch::cat({slot_timesteps_, slot_timesteps_}) : slot_timesteps_).to(s.parts->device);
    timestep_cond_ = guidance_condition(*s.parts, s.settings.sampling.guidance, unet_timesteps_.size(0));
    if (!e.pooled_cond.empty()) {
      pooled_ = regional_pooled(e.pooled_cond, masks);
      if (s.cfg) pooled_ = torch::cat({regional_pooled(e.pooled_uncond, masks), pooled_});
      time_ids_ = d.canvas.time_ids;
    }
    euler_ = euler_items(s, 1);
  }

  Denoised denoise(StreamEngine::State& s, const torch::Tensor& latents, int64_t first,
                   StreamTimings& timings) const override {
    const int64_t T = s.slots, n = latents.size(0);
    auto start = Clock::now();
    torch::Tensor input = s.cfg ? torch::cat({latents, latents}) : latents;
    const EulerItems euler = euler_.slots(first, n, 1, T, s.cfg);
    if (euler.defined()) input = euler.scale_input(input);
    // A stream call uses the context as made; a single slot, its rows of the masks.
    RegionalContext slot_context;
    if (n != T) {
      slot_context = context_;
      for (torch::Tensor& level : slot_context.masks) level = slot_items(level, first, n, 1, T, s.cfg);
    }
    torch::Tensor eps = stream_unet(s, n).forward(
        input, slot_items(unet_timesteps_, first, n, 1, T, s.cfg), n == T ? context_ : slot_context,
        {slot_items(timestep_cond_, first, n, 1, T, s.cfg), slot_items(pooled_, first, n, 1, T, s.cfg), time_ids_});
    ++s.stats.unet_calls;
    timings.unet_ms += stream_stage_ms(s, start);

    start = Clock::now();
    if (s.cfg) eps = apply_guidance(eps, s.settings.sampling.guidance);
    Denoised out{euler.defined() ? euler.step(latents, eps)
                                 : s.schedule.scheduler->denoise(eps, latents, slot_timesteps_.slice(0, first, first + n)),
                 count_.slice(0, first, first + n)};
    timings.blend_ms += stream_stage_ms(s, start);
    return out;
  }

  int64_t unet_items() const override { return unet_timesteps_.size(0); }

 private:
  RegionalContext context_;        // the layers' embeddings and the slots' masks at every UNet level
  torch::Tensor count_;            // (T, 1, h, w): the layers' summed weights per slot
  torch::Tensor slot_timesteps_;   // (T,) int64 CPU
  torch::Tensor unet_timesteps_;   // the UNet's per-item timesteps on the model's device
  torch::Tensor timestep_cond_;    // LCM guidance embedding for that batch (may be undefined)
  torch::Tensor pooled_;           // SDXL: (T, D) per slot, [uncond; cond] with CFG; undefined otherwise
  torch::Tensor time_ids_;         // SDXL: the canvas's (1, 6); undefined otherwise
  EulerItems euler_;               // Euler: each slot's input scaling and step; undefined for LCM
};

}  // namespace

torch::Tensor regional_pooled(const std::vector<torch::Tensor>& pooled, const torch::Tensor& masks) {
  const torch::Tensor stack = torch::cat(pooled);  // (p, D)
  torch::Tensor area = masks.to(torch::kFloat).sum({2, 3, 4}).transpose(0, 1);  // (T, p)
  const torch::Tensor total = area.sum(1, true);
  area = torch::where(total > 0, area / total.clamp_min(1e-12), torch::full_like(area, 1.0 / double(area.size(1))));
  return torch::matmul(area.to(stack.device()), stack.to(torch::kFloat)).to(stack.scalar_type());
}

std::shared_ptr<const StreamBatch> make_regional_batch(const StreamEngine::State& s, const StreamDerived& d,
                                                       const StackEmbeddings& e) {
  return std::make_shared<RegionalBatch>(s, d, e);
}

}  // namespace palette
