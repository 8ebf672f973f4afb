// Euler and Euler ancestral: both walk the same σ schedule and differ only in the step.
#include "sampling/euler_scheduler.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "io/json_config.h"
#include "palette/error.h"

namespace palette {

EulerScheduler::EulerScheduler(const JsonConfig& config, bool ancestral) : Scheduler(config, Defaults{}) {
  spacing_ = read_timestep_spacing(config, TimestepSpacing::linspace);
  steps_offset_ = config.integer("steps_offset", 0);
  // The ancestral sampler has none of these keys; diffusers' from_config drops them, and so do we.
  if (!ancestral) {
    const auto interpolation = config.string("interpolation_type", "linear");
    if (interpolation != "linear") {
      config.fail("interpolation_type", "\"" + interpolation + "\" is not supported (only \"linear\")");
    }
    for (const char* key : {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"}) {
      if (config.boolean(key, false)) config.fail(key, "is not supported (only the training σ schedule)");
    }
    const auto final_type = config.string("final_sigmas_type", "zero");
    if (final_type != "zero" && final_type != "sigma_min") {
      config.fail("final_sigmas_type", "must be \"zero\" or \"sigma_min\", not \"" + final_type + "\"");
    }
    final_sigma_min_ = final_type == "sigma_min";
    const auto timestep_type = config.string("timestep_type", "discrete");
    if (timestep_type != "discrete" && timestep_type != "continuous") {
      config.fail("timestep_type", "must be \"discrete\" or \"continuous\", not \"" + timestep_type + "\"");
    }
    continuous_timesteps_ = timestep_type == "continuous" && prediction_ == PredictionType::v_prediction;
  }
  // A zero-SNR schedule ends at ᾱ = 0, σ = ∞; the reference substitutes fp16's smallest subnormal.
  if (rescale_zero_snr_) alphas_cumprod_[-1].fill_(std::ldexp(1.0, -24));
  // float32 tensor arithmetic, as the reference, so interpolated σ match it to the last bit.
  const auto sigmas = ((1 - alphas_cumprod_) / alphas_cumprod_).pow(0.5).contiguous();
  train_sigmas_.assign(sigmas.data_ptr<float>(), sigmas.data_ptr<float>() + sigmas.numel());
}

double EulerScheduler::train_sigma(double t) const {
  // numpy.interp over xp = 0 … N−1: clamped at both ends, linear in between.
  const auto last = int64_t(train_sigmas_.size()) - 1;
  if (t <= 0) return train_sigmas_[0];
  if (t >= double(last)) return train_sigmas_[last];
  const auto j = int64_t(std::floor(t));
  if (double(j) == t) return train_sigmas_[j];
  const double slope = train_sigmas_[j + 1] - train_sigmas_[j];
  return slope * (t - double(j)) + train_sigmas_[j];
}

void EulerScheduler::set_schedule(const std::vector<double>& timesteps) {
  std::vector<float> sigmas, ts;
  for (double t : timesteps) {
    ts.push_back(float(t));
    sigmas.push_back(float(train_sigma(double(float(t)))));
  }
  sigmas.push_back(final_sigma_min_ ? float(train_sigmas_[0]) : 0.0f);
  sigmas_ = torch::tensor(sigmas, torch::kFloat32);
  if (continuous_timesteps_) {
    timesteps_ = 0.25f * sigmas_.slice(0, 0, -1).log();
  } else {
    timesteps_ = torch::tensor(ts, torch::kFloat32);
  }
}

void EulerScheduler::set_timesteps(int64_t steps) {
  check_steps(steps);
  set_schedule(spaced_timesteps(spacing_, num_train_timesteps(), steps, steps_offset_));
}

void EulerScheduler::set_custom_timesteps(const std::vector<int64_t>& timesteps) {
  check_custom_timesteps(timesteps);
  if (continuous_timesteps_) {
    throw Error("'" + where_ + "': custom timesteps do not combine with \"timestep_type\" \"continuous\"");
  }
  set_schedule(std::vector<double>(timesteps.begin(), timesteps.end()));
}

double EulerScheduler::init_noise_sigma() const {
  if (!sigmas_.defined()) throw Error("'" + where_ + "': init_noise_sigma needs the timesteps set first");
  const float max_sigma = sigmas_.max().item<float>();
  if (spacing_ == TimestepSpacing::leading) return std::sqrt(max_sigma * max_sigma + 1.0f);
  return max_sigma;
}

torch::Tensor EulerScheduler::scale_model_input(const torch::Tensor& sample, int64_t step_index) const {
  timestep(step_index);
  const float s = sigma(step_index);
  return sample / std::sqrt(s * s + 1.0f);
}

torch::Tensor EulerScheduler::predict_x0_sigma(const torch::Tensor& model_output, const torch::Tensor& sample,
                                               const torch::Tensor& sigma) const {
  const auto m = model_output.to(torch::kFloat32);
  const auto x = sample.to(torch::kFloat32);
  switch (prediction_) {
    case PredictionType::epsilon:
      return x - sigma * m;
    case PredictionType::v_prediction: {
      const auto s2 = sigma * sigma + 1;
      return m * (-sigma / s2.sqrt()) + x / s2;
    }
    case PredictionType::sample:
      break;
  }
  return m;
}

StepResult EulerScheduler::step(const torch::Tensor& model_output, int64_t step_index,
                                const torch::Tensor& sample,
                                NoiseSource& /*noise: no churn, nothing is drawn*/) const {
  check_step(step_index, model_output, sample);
  const float s = sigma(step_index);
  const auto x = sample.to(torch::kFloat32);
  const auto x0 = predict_x0_sigma(model_output, x, torch::scalar_tensor(s, torch::kFloat32));
  const auto derivative = (x - x0) / s;
  const auto prev = x + derivative * (sigma(step_index + 1) - s);
  const auto dtype = model_output.scalar_type();
  return {prev.to(dtype), x0.to(dtype)};
}

torch::Tensor EulerScheduler::denoise(const torch::Tensor& model_output, const torch::Tensor& sample,
                                      const torch::Tensor& timesteps) const {
  std::vector<float> sigmas;
  for (double t : item_timestep_values(timesteps, sample.size(0), /*integral=*/false)) {
    sigmas.push_back(float(train_sigma(t)));
  }
  return predict_x0_sigma(model_output, sample, per_item(sigmas, sample)).to(model_output.scalar_type());
}

torch::Tensor EulerScheduler::add_noise(const torch::Tensor& x0, const torch::Tensor& noise,
                                        const torch::Tensor& timesteps) const {
  std::vector<float> sigmas;
  for (double t : item_timestep_values(timesteps, x0.size(0), /*integral=*/false)) {
    sigmas.push_back(float(train_sigma(t)));
  }
  return (x0.to(torch::kFloat32) + per_item(sigmas, x0) * noise.to(torch::kFloat32)).to(x0.scalar_type());
}

StepResult EulerAncestralScheduler::step(const torch::Tensor& model_output, int64_t step_index,
                                         const torch::Tensor& sample, NoiseSource& noise) const {
  check_step(step_index, model_output, sample);
  // Split the move from σ_from to σ_to into a deterministic part down to σ_down and fresh noise of
  // σ_up, with σ_down² + σ_up² = σ_to² (float32, as the reference).
  const float from = sigma(step_index), to = sigma(step_index + 1);
  const float up = std::sqrt(to * to * (from * from - to * to) / (from * from));
  const float down = std::sqrt(std::max(to * to - up * up, 0.0f));
  const auto x = sample.to(torch::kFloat32);
  const auto x0 = predict_x0_sigma(model_output, x, torch::scalar_tensor(from, torch::kFloat32));
  const auto derivative = (x - x0) / from;
  auto prev = x + derivative * (down - from);
  const auto fresh = noise.randn(model_output.sizes(), x.options()).to(torch::kFloat32);
  prev = prev + fresh * up;
  const auto dtype = model_output.scalar_type();
  return {prev.to(dtype), x0.to(dtype)};
}

}  // namespace palette
