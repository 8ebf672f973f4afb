// Samplers with diffusers' semantics — LCM, DDIM, Euler and Euler ancestral — configured from a
// scheduler_config.json. Steps are stateless: each call names its step index, so one scheduler can
// serve many panorama views or stream slots at once.
//
//   auto config = palette::JsonConfig::load(dir / "scheduler" / "scheduler_config.json");
//   auto scheduler = palette::make_scheduler(config.raw(), "lcm", config.where());  // "": its class
//   scheduler->set_timesteps(4);
//   palette::SeededNoise noise(21);
//   torch::Tensor x = noise.randn({1, 4, 64, 64}) * scheduler->init_noise_sigma();
//   for (int64_t i = 0; i < scheduler->num_steps(); ++i) {
//     torch::Tensor eps = unet(scheduler->scale_model_input(x, i), scheduler->timestep(i), text);
//     x = scheduler->step(eps, i, x, noise).prev_sample;
//   }
//
// Failures: palette::Error with a message naming the config file and key, or the bad value.
// Thread safety: set_timesteps / set_custom_timesteps change the scheduler; every const method may be
// called from several threads at once once the timesteps are set (each thread with its own NoiseSource).
// Tensors: any device; computation is in float32 and results come back in model_output's dtype.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "palette/sampler.h"
#include "sampling/noise_source.h"

namespace palette {

class JsonConfig;

enum class PredictionType { epsilon, v_prediction, sample };  // what the UNet predicts
enum class TimestepSpacing { leading, linspace, trailing };   // how timesteps are spread

struct StepResult {
  torch::Tensor prev_sample;  // the sample for the next step (after the last step: the final latent)
  torch::Tensor denoised;  // the clean-latent estimate: x0 (DDIM, Euler), the boundary-condition output (LCM)
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual Sampler sampler() const = 0;  // lcm, ddim, euler or euler_a (never lcm_stream: that is a schedule)
  std::string name() const { return std::string(sampler_name(sampler())); }

  // Chooses `steps` timesteps from the training schedule, as diffusers' set_timesteps. Throws
  // palette::Error when steps < 1, steps > num_train_timesteps, or the sampler's own limit is passed
  // (LCM: original_inference_steps), or the spacing would give a timestep outside the training range.
  virtual void set_timesteps(int64_t steps) = 0;
  // An explicit schedule of training timesteps, strictly descending, each in [0, num_train_timesteps)
  // (LCM and the Euler samplers; e.g. StreamDiffusion's t_index_list). Throws palette::Error on a bad
  // list, or for samplers whose step rule assumes even spacing (DDIM).
  virtual void set_custom_timesteps(const std::vector<int64_t>& timesteps);

  // The number of steps set; 0 before set_timesteps.
  int64_t num_steps() const { return timesteps_.defined() ? timesteps_.size(0) : 0; }
  // [num_steps], CPU: int64 for LCM and DDIM, float32 for the Euler samplers (as diffusers). Undefined
  // before set_timesteps. Valid until the next set_timesteps.
  const torch::Tensor& timesteps() const { return timesteps_; }
  double timestep(int64_t step_index) const;  // timesteps()[step_index]; palette::Error when out of range
  // Standard deviation to give the initial noise (1 for LCM and DDIM; Euler: σ_max, or √(σ_max²+1)
  // with "leading" spacing). Depends on the timesteps set.
  virtual double init_noise_sigma() const { return 1.0; }

  // The UNet input for step `step_index` (Euler: sample / √(σ²+1); others: the sample itself).
  virtual torch::Tensor scale_model_input(const torch::Tensor& sample, int64_t step_index) const;
  // One denoising step from `sample` at timesteps()[step_index] given the UNet's output for it. Draws
  // from `noise` only where the sampler needs fresh noise (LCM: every step but the last, one draw of
  // model_output's shape; Euler ancestral: every step). Throws palette::Error on a step index out of
  // range or shapes that differ.
  virtual StepResult step(const torch::Tensor& model_output, int64_t step_index, const torch::Tensor& sample,
                          NoiseSource& noise) const = 0;

  // Per-item forms for batches whose items sit at different timesteps (the stream engine's slots).
  // `timesteps` holds one training timestep per batch item (or one for all; any device, read on the
  // CPU); `sample`, `model_output`, `x0` and `noise` are [B, ...]. Throws palette::Error on a count
  // mismatch or a timestep outside [0, num_train_timesteps).
  //   denoise: the step's `denoised` for each item (LCM: with the boundary condition; others: x0).
  virtual torch::Tensor denoise(const torch::Tensor& model_output, const torch::Tensor& sample,
                                const torch::Tensor& timesteps) const;
  //   add_noise: x0 brought to each item's timestep: √ᾱ·x0 + √(1−ᾱ)·noise (Euler: x0 + σ·noise).
  virtual torch::Tensor add_noise(const torch::Tensor& x0, const torch::Tensor& noise,
                                  const torch::Tensor& timesteps) const;

  int64_t num_train_timesteps() const { return alphas_cumprod_.size(0); }
  // ᾱ_t and β_t of the training schedule: [num_train_timesteps] float32 on the CPU, valid while the
  // scheduler lives.
  const torch::Tensor& alphas_cumprod() const { return alphas_cumprod_; }
  const torch::Tensor& betas() const { return betas_; }
  PredictionType prediction_type() const { return prediction_; }
  const std::string& where() const { return where_; }  // the config's name in error messages

 protected:
  // Reads num_train_timesteps, the betas (beta_start/beta_end/beta_schedule/trained_betas,
  // rescale_betas_zero_snr) and prediction_type, with the subclass's diffusers defaults.
  struct Defaults {
    double beta_start = 0.0001;
    double beta_end = 0.02;
    std::string beta_schedule = "linear";
  };
  Scheduler(const JsonConfig& config, const Defaults& defaults);

  void check_steps(int64_t steps) const;  // 1 <= steps <= num_train_timesteps
  void check_step(int64_t step_index, const torch::Tensor& model_output, const torch::Tensor& sample) const;
  void check_custom_timesteps(const std::vector<int64_t>& timesteps) const;
  // The per-item timesteps as `batch` values (one given value is repeated), each checked to lie in
  // [0, num_train_timesteps) and, when `integral`, to be a whole number. Throws palette::Error.
  std::vector<double> item_timestep_values(const torch::Tensor& timesteps, int64_t batch,
                                           bool integral) const;
  std::vector<int64_t> item_timesteps(const torch::Tensor& timesteps, int64_t batch) const;
  // x0 from the model output, computed in float32 (ᾱ given per item as [B,1,...] or as a scalar tensor).
  torch::Tensor predict_x0(const torch::Tensor& model_output, const torch::Tensor& sample,
                           const torch::Tensor& alpha_prod) const;
  float alpha_at(int64_t t) const;  // ᾱ_t; t must be in range
  // One value per batch item as a float32 [B, 1, …] tensor on `like`'s device, to broadcast over items.
  // Queued without waiting for the device (page-locked upload) when `like` is on CUDA.
  static torch::Tensor per_item(const std::vector<float>& values, const torch::Tensor& like);

  std::string where_;
  torch::Tensor betas_;
  torch::Tensor alphas_cumprod_;
  bool rescale_zero_snr_ = false;
  PredictionType prediction_ = PredictionType::epsilon;
  torch::Tensor timesteps_;
};

// Builds a sampler from a scheduler_config.json's contents. `name_or_class` is a user-facing name
// ("lcm", "ddim", "euler", "euler_a"), a diffusers class name ("LCMScheduler", "DDIMScheduler",
// "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler"), or empty for the config's own
// "_class_name". A sampler other than the config's class takes the config's values it knows (betas,
// prediction type, spacing, …) and its own defaults for the rest, as diffusers' from_config; keys the
// config lists in "_use_default_values" count as absent. `where` names the config in error messages.
// Throws palette::Error "unknown sampler 'x' (known: lcm, ddim, euler, euler_a)", or naming the key
// of a bad or unsupported config value. The caller owns the result; it holds no reference to `config`.
std::unique_ptr<Scheduler> make_scheduler(const nlohmann::json& config, const std::string& name_or_class,
                                          const std::string& where = "scheduler_config.json");
// The same for a typed choice; nullopt = the config's own "_class_name". lcm_stream is refused as an
// unknown sampler, as its name was: it is a layout schedule, not a scheduler.
std::unique_ptr<Scheduler> make_scheduler(const nlohmann::json& config, std::optional<Sampler> sampler,
                                          const std::string& where = "scheduler_config.json");

const std::vector<std::string>& known_samplers();  // {"lcm", "ddim", "euler", "euler_a"}

// Strict parsers shared by the samplers: palette::Error naming the key and the accepted values.
PredictionType read_prediction_type(const JsonConfig& config);
TimestepSpacing read_timestep_spacing(const JsonConfig& config, TimestepSpacing fallback);
// The timesteps diffusers' spacing rule gives, unrounded for "linspace" (a sampler rounds them if it
// wants integers): leading i·(N div steps) + steps_offset; linspace over [0, N−1]; trailing
// round(N − i·N/steps) − 1; all in descending order.
std::vector<double> spaced_timesteps(TimestepSpacing spacing, int64_t num_train_timesteps, int64_t steps,
                                     int64_t steps_offset);

}  // namespace palette
