// One call of the stream batch (docs/algorithms.md §4 "Stream batch"): every slot's latent, repeated for
// every layer, goes through one UNet call of batch T·p; each (slot, layer) is denoised to x0 at its
// slot's timestep, the layers' x0 are blended per slot by their masks, slot T−1's blend is the frame
// and the others are re-noised into the next slot with the fixed per-slot noise. The bootstrap slots
// do what the one-shot pipeline does in its bootstrap steps.
#include <torch/torch.h>

#include <algorithm>

#include "models/model_parts.h"
#include "pipelines/image_tensor.h"
#include "pipelines/pipeline_common.h"
#include "pipelines/prompt_encoding.h"
#include "pipelines/stream_background.h"
#include "pipelines/stream_frame.h"
#include "pipelines/stream_state.h"
#include "regions/bbox_shift.h"

namespace palette {

namespace {

using pipeline::Clock;

// The first `slots` slots' bootstrap background, noised to each slot's timestep and repeated for the
// p layers: (slots·p, 4, h, w). Slot k mixes white and background by clip(mix − k, 0, 1); without a
// background latent the slot's own latent (from `latents`) stands in for it, as in the one-shot pipeline.
torch::Tensor bootstrap_background(const StreamEngine::State& s, const StreamLayout& l, const torch::Tensor& latents,
                                   int64_t slots, int64_t p) {
  std::vector<torch::Tensor> mixed;
  for (int64_t k = 0; k < slots; ++k) {
    const double mix = std::clamp(s.settings.sampling.bootstrap_mix_steps - double(k), 0.0, 1.0);
    const torch::Tensor bg = l.has_background ? l.background_latent : latents.slice(0, k, k + 1);
    mixed.push_back(mix * l.white_latent + (1.0 - mix) * bg);
  }
  const torch::Tensor timesteps = torch::tensor(
      std::vector<int64_t>(s.schedule.timesteps.begin(), s.schedule.timesteps.begin() + slots), torch::kInt64);
  const torch::Tensor noised =
      s.schedule.scheduler->add_noise(torch::cat(mixed), l.init_noise.slice(0, 0, slots), timesteps);
  return noised.repeat_interleave(p, 0);
}

}  // namespace

void build_bootstrap_constants(const StreamEngine::State& s, StreamLayout& l) {
  const int64_t T = s.slots, p = l.masks.size(0);
  const int64_t h = l.init_noise.size(2), w = l.init_noise.size(3);
  l.item_masks = l.masks.transpose(0, 1).reshape({T * p, 1, h, w});
  const int64_t boot_slots = std::min<int64_t>(s.settings.sampling.bootstrap_steps, T);
  l.boot_shifts = l.boot_unshifts = l.boot_background = torch::Tensor();
  if (boot_slots == 0) return;
  l.boot_shifts = mask_bbox_center_shifts(l.item_masks.slice(0, 0, boot_slots * p));
  l.boot_unshifts = -l.boot_shifts;
  // Without a background latent each slot's own latent stands in for it: made per frame then.
  if (l.has_background) l.boot_background = bootstrap_background(s, l, torch::Tensor(), boot_slots, p);
}

torch::Tensor stream_call(StreamEngine::State& s, StreamTimings& timings) {
  if (s.settings.mode == StreamMode::RegionalAttention) return stream_call_regional(s, timings);
  const StreamLayout& l = s.layout;
  const RegionSampling& sampling = s.settings.sampling;
  const int64_t T = s.slots, p = l.masks.size(0);
  const int64_t h = l.init_noise.size(2), w = l.init_noise.size(3);
  if (!s.buffer.defined()) s.buffer = l.init_noise.slice(0, 1, T);  // any start: a flush replaces it

  auto start = Clock::now();
  const torch::Tensor latents = torch::cat({l.slot0, s.buffer});  // (T, 4, h, w)
  // (T·p, 4, h, w), slot-major; one copy kernel (repeat_interleave costs several launches' host time).
  torch::Tensor x = latents.unsqueeze(1).expand({T, p, latents.size(1), h, w}).reshape({T * p, latents.size(1), h, w});
  torch::Tensor m = l.item_masks;
  // The bootstrap items are those build_bootstrap_constants made shifts for.
  const int64_t nb = l.boot_shifts.defined() ? l.boot_shifts.size(0) : 0;
  const int64_t boot_slots = nb / p;
  torch::Tensor boot_bg, boot_mask;
  ShiftOptions shift;
  if (nb > 0) {
    // The masks, their shifts and (over a background) the noised background are the layout's
    // constants (build_bootstrap_constants): a frame launches only the work on its latents.
    boot_bg = l.boot_background.defined() ? l.boot_background : bootstrap_background(s, l, latents, boot_slots, p);
    boot_mask = m.slice(0, 0, nb);
    torch::Tensor xb = (1.0 - boot_mask) * boot_bg + boot_mask * x.slice(0, 0, nb);
    shift.edges = sampling.reference_wrapping_shift ? ShiftEdges::Wrap : ShiftEdges::Fill;
    shift.fill = boot_bg;
    xb = shift_latents(xb, l.boot_shifts, shift);
    x = torch::cat({xb, x.slice(0, nb)});
  }

  const torch::Tensor input = s.cfg ? torch::cat({x, x}) : x;
  torch::Tensor eps = s.unet->forward(input, l.unet_timesteps, l.hidden, l.timestep_cond);
  ++s.stats.unet_calls;
  timings.unet_ms += stream_stage_ms(s, start);

  start = Clock::now();
  if (s.cfg) eps = apply_guidance(eps, sampling.guidance);
  torch::Tensor x0 = s.schedule.scheduler->denoise(eps, x, l.item_timesteps);
  if (nb > 0) {
    torch::Tensor x0b = shift_latents(x0.slice(0, 0, nb), l.boot_unshifts, shift);
    // Leak removal: where a layer's x0 stayed close to the bootstrap background it drew nothing of its
    // own there, so its weight fades (2·sigmoid(d/s) − 1 is 0 at d = 0).
    const torch::Tensor leak = (x0b - boot_bg).pow(2).mean(1, true);
    boot_mask = boot_mask * (torch::sigmoid(leak / sampling.leak_sensitivity) * 2 - 1);
    x0 = torch::cat({x0b, x0.slice(0, nb)});
    m = torch::cat({boot_mask, m.slice(0, nb)});
  }
  const torch::Tensor value = (m * x0).view({T, p, -1, h, w}).sum(1);
  const torch::Tensor count = m.view({T, p, 1, h, w}).sum(1);
  return stream_advance(s, torch::where(count > 0, value / count, value), count, start, timings);
}

torch::Tensor stream_advance(StreamEngine::State& s, torch::Tensor blend, const torch::Tensor& count,
                             Clock::time_point start, StreamTimings& timings) {
  const StreamLayout& l = s.layout;
  const int64_t T = s.slots;
  if (l.has_background) {
    const torch::Tensor uncovered = (1 - count).clamp(0, 1);
    blend = (1 - uncovered) * blend + uncovered * l.background_latent;
  }
  s.buffer =
      s.schedule.scheduler->add_noise(blend.slice(0, 0, T - 1), l.init_noise.slice(0, 1, T), s.next_timesteps);
  timings.blend_ms += stream_stage_ms(s, start);
  ++s.calls_since_change;
  ++s.stats.frames;
  s.last_latent = blend.slice(0, T - 1, T);
  return s.last_latent;
}

Image stream_decode(StreamEngine::State& s, const torch::Tensor& latent, StreamTimings& timings) {
  const StreamLayout& l = s.layout;
  auto start = Clock::now();
  const torch::Tensor rgba = s.frames->rgba(latent, {l.photo_pixels, l.photo_cover, l.photo_blend});
  timings.decode_ms += stream_stage_ms(s, start);
  start = Clock::now();
  Image image = s.frames->to_host(rgba);
  timings.copy_ms += stream_stage_ms(s, start);
  return image;
}

}  // namespace palette
