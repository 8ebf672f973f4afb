// One call of the stream batch, whatever the mode (docs/algorithms.md §4 "Stream batch"): the mode's batch
// denoises every slot to its blended x0; the background latent is blended in where the layers leave it
// uncovered, slot T−1's blend is the frame and the others are re-noised into the next slot with the
// fixed per-slot noise. With an Euler schedule (SDXL) the blends are the slots' steps to their next σ
// and go on as they are.
#include <torch/torch.h>

#include <cmath>

#include "models/model_parts.h"
#include "pipelines/pipeline_common.h"
#include "pipelines/stream_batch.h"
#include "pipelines/stream_frame.h"
#include "pipelines/stream_state.h"

namespace palette {

using pipeline::Clock;

EulerItems euler_items(const StreamEngine::State& s, int64_t p) {
  EulerItems items;
  if (!s.schedule.euler()) return items;
  const std::vector<double>& sigma = s.schedule.sigmas;  // T + 1 values, the last 0
  std::vector<float> scale, dt;
  for (int64_t k = 0; k < s.slots; ++k) {
    scale.push_back(float(1.0 / std::sqrt(sigma[size_t(k)] * sigma[size_t(k)] + 1)));
    dt.push_back(float(sigma[size_t(k) + 1] - sigma[size_t(k)]));
  }
  const auto per_item = [&](const std::vector<float>& per_slot) {
    return torch::tensor(per_slot).repeat_interleave(p).view({s.slots * p, 1, 1, 1}).to(s.parts->device);
  };
  items.input_scale = per_item(scale);
  if (s.cfg) items.input_scale = torch::cat({items.input_scale, items.input_scale});
  items.step_dt = per_item(dt);
  return items;
}

torch::Tensor slot_items(const torch::Tensor& t, int64_t first, int64_t n, int64_t per, int64_t T, bool cfg) {
  if (!t.defined() || (first == 0 && n == T)) return t;
  const torch::Tensor part = t.slice(0, first * per, (first + n) * per);
  return cfg ? torch::cat({part, t.slice(0, (T + first) * per, (T + first + n) * per)}) : part;
}

EulerItems EulerItems::slots(int64_t first, int64_t n, int64_t p, int64_t T, bool cfg) const {
  if (!defined() || (first == 0 && n == T)) return *this;
  return EulerItems{slot_items(input_scale, first, n, p, T, cfg), slot_items(step_dt, first, n, p, T, false)};
}

UNetGraphRunner& stream_unet(StreamEngine::State& s, int64_t n) {
  if (n == s.slots) return *s.unet;
  if (!s.slot_unet) s.slot_unet = std::make_unique<UNetGraphRunner>(s.parts->unet, /*use_graphs=*/false);
  return *s.slot_unet;
}

torch::Tensor EulerItems::scale_input(const torch::Tensor& x) const {
  return (x.to(torch::kFloat) * input_scale).to(x.scalar_type());
}

torch::Tensor EulerItems::step(const torch::Tensor& x, const torch::Tensor& eps) const {
  return (x.to(torch::kFloat) + eps.to(torch::kFloat) * step_dt).to(x.scalar_type());
}

namespace {

// Slots first … first+n−1's blends (n = x0's rows) with the background latent where the layers leave the
// canvas uncovered.
torch::Tensor with_uncovered_background(const StreamDerived& d, const StreamBatch::Denoised& x0, int64_t first,
                                        int64_t T) {
  if (!d.table.has_background) return x0.blend;
  const torch::Tensor& bg = d.table.uncovered_background;  // one row, or one per slot
  const torch::Tensor uncovered = (1 - x0.count).clamp(0, 1);
  return (1 - uncovered) * x0.blend +
         uncovered * (bg.size(0) == 1 ? bg : slot_items(bg, first, x0.blend.size(0), 1, T, false));
}

// The inputs of slots first+1 … first+n from the blends of slots first … first+n−1 (n = blend's rows): LCM
// re-noises each slot's x0 into the next slot with that slot's fixed noise; with Euler the blended steps are
// the next slots' latents already.
torch::Tensor next_slot_inputs(const StreamEngine::State& s, const torch::Tensor& blend, int64_t first) {
  if (s.schedule.euler()) return blend;
  const int64_t n = blend.size(0);
  return s.schedule.scheduler->add_noise(blend, s.derived.canvas.init_noise.slice(0, first + 1, first + 1 + n),
                                         s.next_timesteps.slice(0, first, first + n));
}

}  // namespace

torch::Tensor stream_call(StreamEngine::State& s, StreamTimings& timings) {
  const StreamDerived& d = s.derived;
  const int64_t T = s.slots;
  if (!s.buffer.defined()) s.buffer = d.canvas.init_noise.slice(0, 1, T);  // any start: a flush replaces it
  const torch::Tensor latents = torch::cat({d.table.slot0, s.buffer});  // (T, 4, h, w)
  const StreamBatch::Denoised x0 = d.batch->denoise(s, latents, 0, timings);

  const auto start = Clock::now();
  const torch::Tensor blend = with_uncovered_background(d, x0, 0, T);
  s.buffer = next_slot_inputs(s, blend.slice(0, 0, T - 1), 0);
  timings.blend_ms += stream_stage_ms(s, start);
  ++s.calls_since_change;
  ++s.stats.frames;
  s.last_latent = blend.slice(0, T - 1, T);
  return s.last_latent;
}

torch::Tensor stream_settle_slot(StreamEngine::State& s, int64_t k, StreamTimings& timings) {
  const StreamDerived& d = s.derived;
  const int64_t T = s.slots;
  if (!s.buffer.defined()) s.buffer = d.canvas.init_noise.slice(0, 1, T);
  // Slots before k have run with this change: slot k's input, slot k−1's result, is final.
  const torch::Tensor input = k == 0 ? d.table.slot0 : s.buffer.slice(0, k - 1, k);
  const StreamBatch::Denoised x0 = d.batch->denoise(s, input, k, timings);

  const auto start = Clock::now();
  const torch::Tensor blend = with_uncovered_background(d, x0, k, T);
  if (k + 1 < T) {
    // A new tensor, not a write into the old one: the previous frame's tensors may still be read.
    s.buffer = torch::cat(
        {s.buffer.slice(0, 0, k), next_slot_inputs(s, blend, k).to(s.buffer.scalar_type()), s.buffer.slice(0, k + 1)});
  } else {
    s.last_latent = blend;
  }
  timings.blend_ms += stream_stage_ms(s, start);
  s.calls_since_change = k + 1;
  return blend;
}

Image stream_decode(StreamEngine::State& s, const torch::Tensor& latent, StreamTimings& timings, bool with_vae) {
  const StreamDerived& d = s.derived;
  const FramePicture picture{d.canvas.photo_pixels, d.table.photo_cover, d.table.photo_blend};
  auto start = Clock::now();
  const torch::Tensor rgba =
      with_vae ? frame_rgba(*s.parts, /*use_taesd=*/false, latent, picture) : s.frames->rgba(latent, picture);
  timings.decode_ms += stream_stage_ms(s, start);
  start = Clock::now();
  Image image = s.frames->to_host(rgba);
  timings.copy_ms += stream_stage_ms(s, start);
  return image;
}

}  // namespace palette
