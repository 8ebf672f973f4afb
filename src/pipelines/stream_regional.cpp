// StreamMode::RegionalAttention (docs/algorithms.md §7): the stream batch with one UNet pass per slot. The
// layers meet inside the UNet's cross-attention, mixed by each slot's quantized masks, so there is
// no per-layer x0 to blend afterwards; the background latent and the re-noising are as in the
// MultiDiffusion call (stream_advance).
#include <torch/torch.h>

#include "models/model_parts.h"
#include "pipelines/pipeline_common.h"
#include "pipelines/prompt_encoding.h"
#include "pipelines/stream_state.h"

namespace palette {

using pipeline::Clock;

void build_regional_constants(const StreamEngine::State& s, StreamLayout& l, const std::vector<torch::Tensor>& cond,
                              const std::vector<torch::Tensor>& uncond) {
  // (G, p, 77, C): one group without CFG, the [uncond; cond] halves with it.
  const torch::Tensor contexts =
      s.cfg ? torch::stack({torch::cat(uncond), torch::cat(cond)}) : torch::cat(cond).unsqueeze(0);
  torch::Tensor weights = l.masks.transpose(0, 1);  // (T, p, 1, h, w): slot k's layer weights
  // Where no layer has weight at a slot, the MultiDiffusion blend keeps the background latent; the
  // attention still needs a mix there, and no layer has a better claim than another.
  const torch::Tensor covered = weights.sum(1, true) > 0;
  weights = torch::where(covered, weights, torch::ones_like(weights));
  if (s.cfg) weights = torch::cat({weights, weights});
  l.regional = s.parts->unet->regional_context(contexts, weights);
  l.regional_count = l.masks.sum(0);
  l.slot_timesteps = torch::tensor(s.schedule.timesteps, torch::kInt64);
  l.regional_unet_timesteps =
      (s.cfg ? torch::cat({l.slot_timesteps, l.slot_timesteps}) : l.slot_timesteps).to(s.parts->device);
  l.regional_timestep_cond =
      guidance_condition(*s.parts, s.settings.sampling.guidance, l.regional_unet_timesteps.size(0));
}

torch::Tensor stream_call_regional(StreamEngine::State& s, StreamTimings& timings) {
  const StreamLayout& l = s.layout;
  const int64_t T = s.slots;
  if (!s.buffer.defined()) s.buffer = l.init_noise.slice(0, 1, T);  // any start: a flush replaces it

  auto start = Clock::now();
  const torch::Tensor x = torch::cat({l.slot0, s.buffer});  // (T, 4, h, w)
  torch::Tensor eps =
      s.unet->forward(s.cfg ? torch::cat({x, x}) : x, l.regional_unet_timesteps, l.regional, l.regional_timestep_cond);
  ++s.stats.unet_calls;
  timings.unet_ms += stream_stage_ms(s, start);

  start = Clock::now();
  if (s.cfg) eps = apply_guidance(eps, s.settings.sampling.guidance);
  const torch::Tensor x0 = s.schedule.scheduler->denoise(eps, x, l.slot_timesteps);
  return stream_advance(s, x0, l.regional_count, start, timings);
}

}  // namespace palette
