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

torch::Tensor EulerItems::scale_input(const torch::Tensor& x) const {
  return (x.to(torch::kFloat) * input_scale).to(x.scalar_type());
}

torch::Tensor EulerItems::step(const torch::Tensor& x, const torch::Tensor& eps) const {
  return (x.to(torch::kFloat) + eps.to(torch::kFloat) * step_dt).to(x.scalar_type());
}

torch::Tensor stream_call(StreamEngine::State& s, StreamTimings& timings) {
  const StreamDerived& d = s.derived;
  const int64_t T = s.slots;
  if (!s.buffer.defined()) s.buffer = d.canvas.init_noise.slice(0, 1, T);  // any start: a flush replaces it
  const torch::Tensor latents = torch::cat({d.table.slot0, s.buffer});  // (T, 4, h, w)
  StreamBatch::Denoised x0 = d.batch->denoise(s, latents, timings);

  const auto start = Clock::now();
  if (d.table.has_background) {
    const torch::Tensor uncovered = (1 - x0.count).clamp(0, 1);
    x0.blend = (1 - uncovered) * x0.blend + uncovered * d.table.uncovered_background;
  }
  // LCM: each slot's x0 re-noised into the next slot with that slot's fixed noise. Euler: the blended
  // steps are the next slots' latents already.
  s.buffer = s.schedule.euler() ? x0.blend.slice(0, 0, T - 1)
                                : s.schedule.scheduler->add_noise(x0.blend.slice(0, 0, T - 1),
                                                                  d.canvas.init_noise.slice(0, 1, T), s.next_timesteps);
  timings.blend_ms += stream_stage_ms(s, start);
  ++s.calls_since_change;
  ++s.stats.frames;
  s.last_latent = x0.blend.slice(0, T - 1, T);
  return s.last_latent;
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
