// DDIM sampling with eta 0 (diffusers' DDIMScheduler): deterministic steps from the x0 and ε
// predictions; the step from t goes to t − num_train_timesteps / steps, as diffusers does for every
// spacing.
// Thread safety: as Scheduler.
#pragma once

#include "sampling/scheduler.h"

namespace palette {

class DdimScheduler : public Scheduler {
 public:
  // Reads the DDIMScheduler keys (diffusers defaults for absent ones, including clip_sample: true).
  // Throws palette::Error naming the key of a bad value; "thresholding": true is refused.
  explicit DdimScheduler(const JsonConfig& config);
  Sampler sampler() const override { return Sampler::ddim; }
  void set_timesteps(int64_t steps) override;
  StepResult step(const torch::Tensor& model_output, int64_t step_index, const torch::Tensor& sample,
                  NoiseSource& noise) const override;
  torch::Tensor denoise(const torch::Tensor& model_output, const torch::Tensor& sample,
                        const torch::Tensor& timesteps) const override;

 private:
  torch::Tensor clip(const torch::Tensor& x0) const;

  TimestepSpacing spacing_ = TimestepSpacing::leading;
  int64_t steps_offset_ = 0;
  bool clip_sample_ = true;
  double clip_sample_range_ = 1.0;
  float final_alpha_cumprod_ = 1.0f;  // ᾱ after the last step: 1, or ᾱ_0 when set_alpha_to_one is false
};

}  // namespace palette
