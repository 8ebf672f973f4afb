#include "sampling/ddim_scheduler.h"

#include <torch/torch.h>

#include <cmath>

#include "io/json_config.h"
#include "palette/error.h"

namespace palette {

DdimScheduler::DdimScheduler(const JsonConfig& config) : Scheduler(config, Defaults{}) {
  spacing_ = read_timestep_spacing(config, TimestepSpacing::leading);
  steps_offset_ = config.integer("steps_offset", 0);
  clip_sample_ = config.boolean("clip_sample", true);
  clip_sample_range_ = config.number("clip_sample_range", 1.0);
  if (config.boolean("thresholding", false)) {
    config.fail("thresholding", "is not supported (dynamic thresholding is meant for pixel-space models)");
  }
  final_alpha_cumprod_ = config.boolean("set_alpha_to_one", true) ? 1.0f : alpha_at(0);
}

void DdimScheduler::set_timesteps(int64_t steps) {
  check_steps(steps);
  std::vector<int64_t> timesteps;
  for (double t : spaced_timesteps(spacing_, num_train_timesteps(), steps, steps_offset_)) {
    const auto rounded = int64_t(std::nearbyint(t));  // numpy's round: half to even
    if (rounded < 0 || rounded >= num_train_timesteps()) {
      throw Error("'" + where_ + "': " + std::to_string(steps) +
                  " steps with this \"timestep_spacing\" and " + "\"steps_offset\" " +
                  std::to_string(steps_offset_) + " give timestep " + std::to_string(rounded) +
                  ", outside [0, " + std::to_string(num_train_timesteps()) + ")");
    }
    timesteps.push_back(rounded);
  }
  timesteps_ = torch::tensor(timesteps, torch::kInt64);
}

torch::Tensor DdimScheduler::clip(const torch::Tensor& x0) const {
  return clip_sample_ ? x0.clamp(-clip_sample_range_, clip_sample_range_) : x0;
}

StepResult DdimScheduler::step(const torch::Tensor& model_output, int64_t step_index,
                               const torch::Tensor& sample,
                               NoiseSource& /*noise: eta is 0, nothing is drawn*/) const {
  check_step(step_index, model_output, sample);
  const auto t = timesteps_[step_index].item<int64_t>();
  // diffusers steps to t − N/steps whatever the spacing, not to the next listed timestep.
  const int64_t prev_t = t - num_train_timesteps() / num_steps();
  const float alpha = alpha_at(t);
  const float alpha_prev = prev_t >= 0 ? alpha_at(prev_t) : final_alpha_cumprod_;
  const auto a = torch::scalar_tensor(alpha, torch::kFloat32);
  const auto x = sample.to(torch::kFloat32);
  const auto m = model_output.to(torch::kFloat32);
  const auto x0_raw = predict_x0(model_output, sample, a);
  torch::Tensor eps;
  switch (prediction_) {
    case PredictionType::epsilon:
      eps = m;
      break;
    case PredictionType::v_prediction:
      eps = a.sqrt() * m + (1 - a).sqrt() * x;
      break;
    case PredictionType::sample:
      eps = (x - a.sqrt() * x0_raw) / (1 - a).sqrt();  // from the unclipped x0, as the reference
      break;
  }
  const auto x0 = clip(x0_raw);
  const auto prev = std::sqrt(alpha_prev) * x0 + std::sqrt(1.0f - alpha_prev) * eps;
  const auto dtype = model_output.scalar_type();
  return {prev.to(dtype), x0.to(dtype)};
}

torch::Tensor DdimScheduler::denoise(const torch::Tensor& model_output, const torch::Tensor& sample,
                                     const torch::Tensor& timesteps) const {
  return clip(Scheduler::denoise(model_output, sample, timesteps));
}

}  // namespace palette
