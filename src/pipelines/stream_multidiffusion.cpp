// StreamMode::MultiDiffusion (docs/algorithms.md §4 "Stream batch"): every slot's latent, repeated for every
// layer, goes through one UNet call of batch T·p; each (slot, layer) is denoised to x0 at its slot's
// timestep and the layers' x0 are blended per slot by their masks. The bootstrap slots do what the one-shot
// pipeline does in its bootstrap steps. With an Euler schedule (SDXL, the authors' SDXL stream) latents live
// in σ space: each (slot, layer) takes its ODE step to the next slot's σ, and the steps are blended.
#include <torch/torch.h>

#include <algorithm>

#include "models/model_parts.h"
#include "pipelines/pipeline_common.h"
#include "pipelines/prompt_encoding.h"
#include "pipelines/stream_batch.h"
#include "regions/bbox_shift.h"

namespace palette {

namespace {

using pipeline::Clock;

// Slots first … first+slots−1's bootstrap background, noised to each slot's timestep and repeated for the
// p layers: (slots·p, 4, h, w). Slot k mixes white and background by clip(mix − k, 0, 1); without a
// background latent the slot's own latent (from `latents`, which holds those slots) stands in for it, as in
// the one-shot pipeline. Euler: slot 0's draw noises white and background to each slot's σ (the slot's own
// latent is noisy already).
torch::Tensor bootstrap_background(const StreamEngine::State& s, const StreamCanvas& canvas, bool has_background,
                                   const torch::Tensor& latents, int64_t first, int64_t slots, int64_t p) {
  const bool euler = s.schedule.euler();
  std::vector<torch::Tensor> mixed;
  for (int64_t i = 0; i < slots; ++i) {
    const int64_t k = first + i;
    const double mix = std::clamp(s.settings.sampling.bootstrap_mix_steps - double(k), 0.0, 1.0);
    const torch::Tensor bg = has_background ? canvas.background_latent : latents.slice(0, i, i + 1);
    if (euler) {
      const torch::Tensor sigma_noise = s.schedule.sigmas[size_t(k)] * canvas.init_noise.slice(0, 0, 1);
      mixed.push_back(mix * (canvas.white_latent + sigma_noise) + (1.0 - mix) * (has_background ? bg + sigma_noise : bg));
    } else {
      mixed.push_back(mix * canvas.white_latent + (1.0 - mix) * bg);
    }
  }
  if (euler) return torch::cat(mixed).repeat_interleave(p, 0);
  const torch::Tensor timesteps = torch::tensor(std::vector<int64_t>(s.schedule.timesteps.begin() + first,
                                                                     s.schedule.timesteps.begin() + first + slots),
                                                torch::kInt64);
  const torch::Tensor noised =
      s.schedule.scheduler->add_noise(torch::cat(mixed), canvas.init_noise.slice(0, first, first + slots), timesteps);
  return noised.repeat_interleave(p, 0);
}

class MultiDiffusionBatch final : public StreamBatch {
 public:
  MultiDiffusionBatch(const StreamEngine::State& s, const StreamDerived& d, const StackEmbeddings& e)
      : canvas_(d.canvas), has_background_(d.table.has_background), p_(d.table.masks.size(0)) {
    const int64_t T = s.slots;
    const int64_t h = canvas_.init_noise.size(2), w = canvas_.init_noise.size(3);
    // Slot-major batch: item k·p + i is layer i at slot k.
    const auto batch = [&](const std::vector<torch::Tensor>& cond, const std::vector<torch::Tensor>& uncond) {
      const torch::Tensor c = torch::cat(cond);
      const std::vector<int64_t> reps = c.dim() == 3 ? std::vector<int64_t>{T, 1, 1} : std::vector<int64_t>{T, 1};
      return s.cfg ? torch::cat({torch::cat(uncond).repeat(reps), c.repeat(reps)}) : c.repeat(reps);
    };
    hidden_ = batch(e.cond, e.uncond);
    if (!e.pooled_cond.empty()) pooled_ = batch(e.pooled_cond, e.pooled_uncond);
    item_timesteps_ = torch::tensor(s.schedule.timesteps, torch::kInt64).repeat_interleave(p_);
    // Built once per layer set rather than every frame: no host-to-device copy inside a frame.
    unet_timesteps_ = (s.cfg ? torch::cat({item_timesteps_, item_timesteps_}) : item_timesteps_).to(s.parts->device);
    timestep_cond_ = guidance_condition(*s.parts, s.settings.sampling.guidance, hidden_.size(0));
    euler_ = euler_items(s, p_);
    item_masks_ = d.table.masks.transpose(0, 1).reshape({T * p_, 1, h, w});
    const int64_t boot_slots = std::min<int64_t>(s.settings.sampling.bootstrap_steps, T);
    if (boot_slots == 0) return;
    boot_shifts_ = mask_bbox_center_shifts(item_masks_.slice(0, 0, boot_slots * p_));
    boot_unshifts_ = -boot_shifts_;
    // Without a background latent each slot's own latent stands in for it: made per frame then.
    if (has_background_)
      boot_background_ = bootstrap_background(s, canvas_, has_background_, torch::Tensor(), 0, boot_slots, p_);
  }

  Denoised denoise(StreamEngine::State& s, const torch::Tensor& latents, int64_t first,
                   StreamTimings& timings) const override {
    const RegionSampling& sampling = s.settings.sampling;
    const int64_t T = s.slots, p = p_, n = latents.size(0);
    const int64_t h = latents.size(2), w = latents.size(3);
    auto start = Clock::now();
    // (n·p, 4, h, w), slot-major; one copy kernel (repeat_interleave costs several launches' host time).
    torch::Tensor x = latents.unsqueeze(1).expand({n, p, latents.size(1), h, w}).reshape({n * p, latents.size(1), h, w});
    torch::Tensor m = slot_items(item_masks_, first, n, p, T, false);
    // The bootstrap slots among these: the first `boot` of them.
    const int64_t boot_slots = boot_shifts_.defined() ? boot_shifts_.size(0) / p : 0;
    const int64_t boot = std::clamp<int64_t>(boot_slots - first, 0, n), nb = boot * p;
    torch::Tensor boot_bg, boot_mask;
    ShiftOptions shift;
    if (nb > 0) {
      // The masks, their shifts and (over a background) the noised background are constants: a frame
      // launches only the work on its latents.
      boot_bg = boot_background_.defined() ? slot_items(boot_background_, first, boot, p, boot_slots, false)
                                           : bootstrap_background(s, canvas_, has_background_, latents, first, boot, p);
      boot_mask = m.slice(0, 0, nb);
      torch::Tensor xb = (1.0 - boot_mask) * boot_bg + boot_mask * x.slice(0, 0, nb);
      shift.edges = sampling.reference_wrapping_shift ? ShiftEdges::Wrap : ShiftEdges::Fill;
      shift.fill = boot_bg;
      xb = shift_latents(xb, slot_items(boot_shifts_, first, boot, p, boot_slots, false), shift);
      x = torch::cat({xb, x.slice(0, nb)});
    }

    torch::Tensor input = s.cfg ? torch::cat({x, x}) : x;
    const EulerItems euler = euler_.slots(first, n, p, T, s.cfg);
    if (euler.defined()) input = euler.scale_input(input);
    torch::Tensor eps = stream_unet(s, n).forward(
        input, slot_items(unet_timesteps_, first, n, p, T, s.cfg), slot_items(hidden_, first, n, p, T, s.cfg),
        {slot_items(timestep_cond_, first, n, p, T, s.cfg), slot_items(pooled_, first, n, p, T, s.cfg),
         canvas_.time_ids});
    ++s.stats.unet_calls;
    timings.unet_ms += stream_stage_ms(s, start);

    start = Clock::now();
    if (s.cfg) eps = apply_guidance(eps, sampling.guidance);
    // LCM: each item's x0. Euler: its ODE step to the next σ (in float32, as the authors), what is blended.
    torch::Tensor x0 = euler.defined()
                           ? euler.step(x, eps)
                           : s.schedule.scheduler->denoise(eps, x, slot_items(item_timesteps_, first, n, p, T, false));
    if (nb > 0) {
      torch::Tensor x0b = shift_latents(x0.slice(0, 0, nb), slot_items(boot_unshifts_, first, boot, p, boot_slots, false), shift);
      // Leak removal: where a layer's x0 stayed close to the bootstrap background it drew nothing of its
      // own there, so its weight fades (2·sigmoid(d/s) − 1 is 0 at d = 0).
      const torch::Tensor leak = (x0b - boot_bg).pow(2).mean(1, true);
      boot_mask = boot_mask * (torch::sigmoid(leak / sampling.leak_sensitivity) * 2 - 1);
      x0 = torch::cat({x0b, x0.slice(0, nb)});
      m = torch::cat({boot_mask, m.slice(0, nb)});
    }
    const torch::Tensor value = (m * x0).view({n, p, -1, h, w}).sum(1);
    const torch::Tensor count = m.view({n, p, 1, h, w}).sum(1);
    Denoised out{torch::where(count > 0, value / count, value), count};
    timings.blend_ms += stream_stage_ms(s, start);
    return out;
  }

  int64_t unet_items() const override { return unet_timesteps_.size(0); }

 private:
  StreamCanvas canvas_;  // the handles the bootstrap slots read (white and background latents, slot noise)
  bool has_background_;
  int64_t p_;                      // layers in the stack
  torch::Tensor hidden_;           // (T·p, 77, hidden), slot-major; [uncond; cond] halves with CFG
  torch::Tensor item_timesteps_;   // (T·p,) int64 on the CPU
  torch::Tensor unet_timesteps_;   // the UNet's per-item timesteps on the model's device (×2 with CFG)
  torch::Tensor timestep_cond_;    // LCM guidance embedding for the UNet batch (may be undefined)
  torch::Tensor pooled_;           // SDXL: the pooled embeddings laid out as hidden_; undefined otherwise
  EulerItems euler_;               // Euler: the items' input scaling and steps; undefined for LCM
  torch::Tensor item_masks_;       // (T·p, 1, h, w): the table's masks slot-major, as the batch
  torch::Tensor boot_shifts_;      // (nb, 2) int64 device: the bootstrap items' recentring shifts
  torch::Tensor boot_unshifts_;    // −boot_shifts_, the way back
  torch::Tensor boot_background_;  // (nb, 4, h, w) noised bootstrap background; undefined without one
};

}  // namespace

std::shared_ptr<const StreamBatch> make_multidiffusion_batch(const StreamEngine::State& s, const StreamDerived& d,
                                                             const StackEmbeddings& e) {
  return std::make_shared<MultiDiffusionBatch>(s, d, e);
}

}  // namespace palette
