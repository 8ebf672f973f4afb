// Euler sampling in σ space (diffusers' EulerDiscreteScheduler) and its ancestral variant
// (EulerAncestralDiscreteScheduler), which re-injects fresh noise every step. The sample lives at
// scale x = x0 + σ·ε, hence init_noise_sigma() and scale_model_input().
// Thread safety: as Scheduler.
#pragma once

#include "sampling/scheduler.h"

namespace palette {

class EulerScheduler : public Scheduler {
 public:
  // Reads the EulerDiscreteScheduler keys (diffusers defaults for absent ones). Throws palette::Error
  // naming the key of a bad value, or of an unsupported one (Karras / exponential / beta sigmas,
  // "log_linear" interpolation).
  explicit EulerScheduler(const JsonConfig& config) : EulerScheduler(config, /*ancestral=*/false) {}
  Sampler sampler() const override { return Sampler::euler; }
  void set_timesteps(int64_t steps) override;
  void set_custom_timesteps(const std::vector<int64_t>& timesteps) override;
  double init_noise_sigma() const override;
  torch::Tensor scale_model_input(const torch::Tensor& sample, int64_t step_index) const override;
  StepResult step(const torch::Tensor& model_output, int64_t step_index, const torch::Tensor& sample,
                  NoiseSource& noise) const override;
  torch::Tensor denoise(const torch::Tensor& model_output, const torch::Tensor& sample,
                        const torch::Tensor& timesteps) const override;
  torch::Tensor add_noise(const torch::Tensor& x0, const torch::Tensor& noise,
                          const torch::Tensor& timesteps) const override;

  // σ of each step then the final σ (0, or σ at t=0 with final_sigmas_type "sigma_min"):
  // [num_steps + 1] float32 CPU. Valid until the next set_timesteps.
  const torch::Tensor& sigmas() const { return sigmas_; }

 protected:
  EulerScheduler(const JsonConfig& config, bool ancestral);
  float sigma(int64_t step_index) const { return sigmas_[step_index].item<float>(); }
  // x0 at noise level σ (float32 computation).
  torch::Tensor predict_x0_sigma(const torch::Tensor& model_output, const torch::Tensor& sample,
                                 const torch::Tensor& sigma) const;

 private:
  void set_schedule(const std::vector<double>& timesteps);
  double train_sigma(double t) const;  // σ at a (possibly fractional) training timestep, interpolated

  std::vector<double> train_sigmas_;  // √((1−ᾱ_t)/ᾱ_t) for every training timestep, float32 values
  TimestepSpacing spacing_ = TimestepSpacing::linspace;
  int64_t steps_offset_ = 0;
  bool final_sigma_min_ = false;
  bool continuous_timesteps_ = false;
  torch::Tensor sigmas_;
};

class EulerAncestralScheduler : public EulerScheduler {
 public:
  // Reads the EulerAncestralDiscreteScheduler keys; Euler-only keys (interpolation, final sigma type,
  // timestep type) are ignored, as diffusers does.
  explicit EulerAncestralScheduler(const JsonConfig& config) : EulerScheduler(config, /*ancestral=*/true) {}
  Sampler sampler() const override { return Sampler::euler_a; }
  // Draws one noise tensor of model_output's shape at every step, the last included (diffusers does).
  StepResult step(const torch::Tensor& model_output, int64_t step_index, const torch::Tensor& sample,
                  NoiseSource& noise) const override;
};

}  // namespace palette
