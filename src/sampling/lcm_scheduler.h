// Latent Consistency Model sampling (diffusers' LCMScheduler): timesteps from a skipping grid of
// `original_inference_steps`, a consistency boundary condition on the x0 prediction, and fresh noise
// between steps.
// Thread safety: as Scheduler.
#pragma once

#include "sampling/scheduler.h"

namespace palette {

class LcmScheduler : public Scheduler {
 public:
  // Reads the LCMScheduler keys (diffusers defaults for absent ones). Throws palette::Error naming the
  // key of a bad value; "thresholding": true is refused (a pixel-space option).
  explicit LcmScheduler(const JsonConfig& config);
  Sampler sampler() const override { return Sampler::lcm; }
  // Also throws when steps > original_inference_steps (the grid has no more points).
  void set_timesteps(int64_t steps) override;
  void set_custom_timesteps(const std::vector<int64_t>& timesteps) override;
  StepResult step(const torch::Tensor& model_output, int64_t step_index, const torch::Tensor& sample,
                  NoiseSource& noise) const override;
  torch::Tensor denoise(const torch::Tensor& model_output, const torch::Tensor& sample,
                        const torch::Tensor& timesteps) const override;

  struct Scalings {
    float c_skip = 0;  // σ_d² / ((s·t)² + σ_d²)
    float c_out = 0;   // s·t / √((s·t)² + σ_d²), s = timestep_scaling, σ_d = 0.5
  };
  Scalings boundary_scalings(int64_t timestep) const;  // at a training timestep
  int64_t original_inference_steps() const { return original_steps_; }

 private:
  torch::Tensor clip(const torch::Tensor& x0) const;

  int64_t original_steps_ = 50;
  double timestep_scaling_ = 10.0;
  bool clip_sample_ = false;
  double clip_sample_range_ = 1.0;
};

}  // namespace palette
