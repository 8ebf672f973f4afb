#include "sampling/lcm_scheduler.h"

#include <torch/torch.h>

#include <cmath>

#include "io/json_config.h"
#include "palette/error.h"

namespace palette {

LcmScheduler::LcmScheduler(const JsonConfig& config)
    : Scheduler(config, Defaults{0.00085, 0.012, "scaled_linear"}) {
  original_steps_ = config.integer("original_inference_steps", 50);
  if (original_steps_ < 1 || original_steps_ > num_train_timesteps()) {
    config.fail("original_inference_steps", "must be in [1, " + std::to_string(num_train_timesteps()) +
                                                "], not " + std::to_string(original_steps_));
  }
  timestep_scaling_ = config.number("timestep_scaling", 10.0);
  clip_sample_ = config.boolean("clip_sample", false);
  clip_sample_range_ = config.number("clip_sample_range", 1.0);
  if (config.boolean("thresholding", false)) {
    config.fail("thresholding", "is not supported (dynamic thresholding is meant for pixel-space models)");
  }
  // The step after the last is the last timestep itself, so the final ᾱ is never looked up; the key
  // is still type-checked so a broken config is noticed.
  config.boolean("set_alpha_to_one", true);
}

void LcmScheduler::set_timesteps(int64_t steps) {
  check_steps(steps);
  if (steps > original_steps_) {
    throw Error(
        "'" + where_ + "': " + std::to_string(steps) +
        " steps requested, but LCM picks its timesteps from a grid of \"original_inference_steps\" = " +
        std::to_string(original_steps_));
  }
  // The distillation grid, high to low: (j·k − 1) for j = original_steps … 1, k = N / original_steps;
  // then `steps` points of it taken at indices floor(i · original_steps / steps).
  const int64_t k = num_train_timesteps() / original_steps_;
  const double stride = double(original_steps_) / double(steps);
  std::vector<int64_t> timesteps(steps);
  for (int64_t i = 0; i < steps; ++i) {
    const auto index = int64_t(std::floor(double(i) * stride));
    timesteps[i] = (original_steps_ - index) * k - 1;
  }
  timesteps_ = torch::tensor(timesteps, torch::kInt64);
}

void LcmScheduler::set_custom_timesteps(const std::vector<int64_t>& timesteps) {
  check_custom_timesteps(timesteps);
  timesteps_ = torch::tensor(timesteps, torch::kInt64);
}

LcmScheduler::Scalings LcmScheduler::boundary_scalings(int64_t timestep) const {
  // float32 arithmetic, as the reference computes them on a float32 tensor.
  constexpr float sigma_data_sq = 0.25f;  // σ_data = 0.5
  const float scaled = float(timestep) * float(timestep_scaling_);
  const float denominator = scaled * scaled + sigma_data_sq;
  return {sigma_data_sq / denominator, scaled / std::sqrt(denominator)};
}

torch::Tensor LcmScheduler::clip(const torch::Tensor& x0) const {
  return clip_sample_ ? x0.clamp(-clip_sample_range_, clip_sample_range_) : x0;
}

StepResult LcmScheduler::step(const torch::Tensor& model_output, int64_t step_index,
                              const torch::Tensor& sample, NoiseSource& noise) const {
  check_step(step_index, model_output, sample);
  const auto t = timesteps_[step_index].item<int64_t>();
  const bool last = step_index == num_steps() - 1;
  const float alpha = alpha_at(t);
  const auto scalings = boundary_scalings(t);
  const auto x0 = clip(predict_x0(model_output, sample, torch::scalar_tensor(alpha, torch::kFloat32)));
  const auto denoised = scalings.c_out * x0 + scalings.c_skip * sample.to(torch::kFloat32);
  torch::Tensor prev = denoised;
  if (!last) {
    const float alpha_prev = alpha_at(timesteps_[step_index + 1].item<int64_t>());
    const auto fresh = noise.randn(model_output.sizes(), denoised.options()).to(torch::kFloat32);
    prev = std::sqrt(alpha_prev) * denoised + std::sqrt(1.0f - alpha_prev) * fresh;
  }
  const auto dtype = model_output.scalar_type();
  return {prev.to(dtype), denoised.to(dtype)};
}

torch::Tensor LcmScheduler::denoise(const torch::Tensor& model_output, const torch::Tensor& sample,
                                    const torch::Tensor& timesteps) const {
  const auto ts = item_timesteps(timesteps, sample.size(0));
  std::vector<float> alphas, c_skip, c_out;
  for (auto t : ts) {
    alphas.push_back(alpha_at(t));
    const auto s = boundary_scalings(t);
    c_skip.push_back(s.c_skip);
    c_out.push_back(s.c_out);
  }
  const auto x0 = clip(predict_x0(model_output, sample, per_item(alphas, sample)));
  const auto denoised = per_item(c_out, sample) * x0 + per_item(c_skip, sample) * sample.to(torch::kFloat32);
  return denoised.to(model_output.scalar_type());
}

}  // namespace palette
