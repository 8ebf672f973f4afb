// The parts every sampler shares: the training noise schedule (betas, ᾱ), the config parsers, the
// timestep spacing rules, the per-item helpers, and the factory.
#include "sampling/scheduler.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "io/json_config.h"
#include "base/json_brief.h"
#include "palette/error.h"
#include "sampling/ddim_scheduler.h"
#include "sampling/euler_scheduler.h"
#include "sampling/lcm_scheduler.h"

namespace palette {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// diffusers' betas_for_alpha_bar with the cosine transform (the "squaredcos_cap_v2" schedule).
torch::Tensor cosine_betas(int64_t count) {
  const auto alpha_bar = [](double t) {
    const double c = std::cos((t + 0.008) / 1.008 * M_PI / 2);
    return c * c;
  };
  std::vector<double> betas(count);
  for (int64_t i = 0; i < count; ++i) {
    const double t1 = double(i) / double(count), t2 = double(i + 1) / double(count);
    betas[i] = std::min(1 - alpha_bar(t2) / alpha_bar(t1), 0.999);
  }
  return torch::tensor(betas, torch::kDouble).to(torch::kFloat32);
}

// Rescales the betas so the last timestep has zero SNR (Lin et al. 2023, "Common Diffusion Noise
// Schedules and Sample Steps are Flawed"), in float32 like the reference.
torch::Tensor rescale_zero_terminal_snr(const torch::Tensor& betas) {
  auto root = torch::cumprod(1.0 - betas, 0).sqrt();
  const auto first = root[0].clone(), last = root[-1].clone();
  root = (root - last) * (first / (first - last));
  const auto alpha_bar = root * root;
  const auto alphas =
      torch::cat({alpha_bar.slice(0, 0, 1), alpha_bar.slice(0, 1) / alpha_bar.slice(0, 0, -1)});
  return 1.0 - alphas;
}

// torch.linspace(start, end, count, dtype=float32) as PyTorch 2.x computes it on the CPU: float
// arithmetic, the first half counted up from `start` and the second half down from `end`. LibTorch
// 1.13's kernel rounds differently in ~1/4 of the values, enough to move σ_999 by 2 ulp, so the
// schedule is built here rather than by torch::linspace, whatever LibTorch the engine runs on.
torch::Tensor linspace_f32(double start_value, double end_value, int64_t count) {
  const float start = float(start_value), end = float(end_value);
  std::vector<float> out(count, start);
  if (count > 1) {
    const float step = (end - start) / float(count - 1);
    const int64_t halfway = count / 2;
    for (int64_t i = 0; i < count; ++i) {
      out[i] = i < halfway ? start + step * float(i) : end - step * float(count - i - 1);
    }
  }
  return torch::tensor(out, torch::kFloat32);
}

torch::Tensor read_betas(const JsonConfig& config, double beta_start, double beta_end,
                         const std::string& default_schedule, int64_t count) {
  if (config.has("trained_betas")) {
    const auto& raw = config.raw().at("trained_betas");
    std::vector<double> values;
    if (raw.is_array()) {
      for (const auto& v : raw) {
        if (!v.is_number()) config.fail("trained_betas", "must be a list of numbers");
        values.push_back(v.get<double>());
      }
    } else {
      config.fail("trained_betas", "must be a list of numbers, not " + json_brief(raw));
    }
    if (int64_t(values.size()) != count) {
      config.fail("trained_betas", "has " + std::to_string(values.size()) +
                                       " values but \"num_train_timesteps\" is " + std::to_string(count));
    }
    return torch::tensor(values, torch::kDouble).to(torch::kFloat32);
  }
  const auto schedule = config.string("beta_schedule", default_schedule);
  if (schedule == "linear") return linspace_f32(beta_start, beta_end, count);
  if (schedule == "scaled_linear")
    return linspace_f32(std::sqrt(beta_start), std::sqrt(beta_end), count).pow(2);
  if (schedule == "squaredcos_cap_v2") return cosine_betas(count);
  config.fail("beta_schedule",
              "must be \"linear\", \"scaled_linear\" or \"squaredcos_cap_v2\", not \"" + schedule + "\"");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace

PredictionType read_prediction_type(const JsonConfig& config) {
  const auto value = config.string("prediction_type", "epsilon");
  if (value == "epsilon") return PredictionType::epsilon;
  if (value == "v_prediction") return PredictionType::v_prediction;
  if (value == "sample") return PredictionType::sample;
  config.fail("prediction_type",
              "must be \"epsilon\", \"v_prediction\" or \"sample\", not \"" + value + "\"");
}

TimestepSpacing read_timestep_spacing(const JsonConfig& config, TimestepSpacing fallback) {
  if (!config.has("timestep_spacing")) return fallback;
  const auto value = config.string("timestep_spacing");
  if (value == "leading") return TimestepSpacing::leading;
  if (value == "linspace") return TimestepSpacing::linspace;
  if (value == "trailing") return TimestepSpacing::trailing;
  config.fail("timestep_spacing", "must be \"leading\", \"linspace\" or \"trailing\", not \"" + value + "\"");
}

std::vector<double> spaced_timesteps(TimestepSpacing spacing, int64_t num_train_timesteps, int64_t steps,
                                     int64_t steps_offset) {
  std::vector<double> out(steps);
  const double n = double(num_train_timesteps);
  switch (spacing) {
    case TimestepSpacing::leading: {
      const int64_t ratio = num_train_timesteps / steps;
      for (int64_t i = 0; i < steps; ++i) out[i] = double((steps - 1 - i) * ratio + steps_offset);
      break;
    }
    case TimestepSpacing::linspace: {
      // numpy.linspace(0, N-1, steps): k·step, the last point exactly N−1; one point gives [0].
      const double step = steps > 1 ? (n - 1) / double(steps - 1) : 0.0;
      for (int64_t k = 0; k < steps; ++k) out[steps - 1 - k] = double(k) * step;
      if (steps > 1) out[0] = n - 1;
      break;
    }
    case TimestepSpacing::trailing: {
      // numpy.arange(N, 0, -N/steps).round() - 1. numpy's own length rule can yield one extra point
      // (61 steps of 1000 gives 62, the last −1); we keep exactly `steps` points. numpy fills with
      // start + i·delta where delta is re-derived from the first two points; so do we.
      const double ratio = n / double(steps);
      const double delta = (n - ratio) - n;
      for (int64_t i = 0; i < steps; ++i) out[i] = std::nearbyint(n + double(i) * delta) - 1;
      break;
    }
  }
  return out;
}

Scheduler::Scheduler(const JsonConfig& config, const Defaults& defaults) : where_(config.where()) {
  const int64_t count = config.integer("num_train_timesteps", 1000);
  // Every schedule allocates its table of betas up front: bound it (the published models use 1000).
  constexpr int64_t kMaxTrainTimesteps = 100000;
  if (count < 1 || count > kMaxTrainTimesteps)
    config.fail("num_train_timesteps", "is " + std::to_string(count) + ", expected 1…" + std::to_string(kMaxTrainTimesteps));
  const double beta_start = config.number("beta_start", defaults.beta_start);
  const double beta_end = config.number("beta_end", defaults.beta_end);
  if (!(beta_start >= 0 && beta_start < 1)) config.fail("beta_start", "must be in [0, 1)");
  if (!(beta_end >= 0 && beta_end < 1)) config.fail("beta_end", "must be in [0, 1)");
  betas_ = read_betas(config, beta_start, beta_end, defaults.beta_schedule, count);
  rescale_zero_snr_ = config.boolean("rescale_betas_zero_snr", false);
  if (rescale_zero_snr_) betas_ = rescale_zero_terminal_snr(betas_);
  alphas_cumprod_ = torch::cumprod(1.0 - betas_, 0);
  prediction_ = read_prediction_type(config);
}

void Scheduler::set_custom_timesteps(const std::vector<int64_t>&) {
  throw Error("the '" + name() + "' sampler takes only evenly spaced timesteps, not a custom list");
}

double Scheduler::timestep(int64_t step_index) const {
  if (step_index < 0 || step_index >= num_steps()) {
    throw Error("step index " + std::to_string(step_index) + " is out of range: the schedule has " +
                std::to_string(num_steps()) + " steps");
  }
  return timesteps_[step_index].item<double>();
}

torch::Tensor Scheduler::scale_model_input(const torch::Tensor& sample, int64_t step_index) const {
  timestep(step_index);  // validates the index
  return sample;
}

void Scheduler::check_steps(int64_t steps) const {
  if (steps < 1)
    throw Error("'" + where_ + "': the number of steps must be at least 1, not " + std::to_string(steps));
  if (steps > num_train_timesteps()) {
    throw Error("'" + where_ + "': " + std::to_string(steps) +
                " steps requested, but \"num_train_timesteps\" is " + std::to_string(num_train_timesteps()));
  }
}

void Scheduler::check_step(int64_t step_index, const torch::Tensor& model_output,
                           const torch::Tensor& sample) const {
  timestep(step_index);
  if (model_output.sizes() != sample.sizes()) {
    std::ostringstream message;
    message << "scheduler step: model output of shape " << model_output.sizes() << " for a sample of shape "
            << sample.sizes();
    throw Error(message.str());
  }
}

void Scheduler::check_custom_timesteps(const std::vector<int64_t>& timesteps) const {
  if (timesteps.empty()) throw Error("custom timesteps: the list is empty");
  for (size_t i = 0; i < timesteps.size(); ++i) {
    if (timesteps[i] < 0 || timesteps[i] >= num_train_timesteps()) {
      throw Error("custom timesteps: timestep " + std::to_string(timesteps[i]) + " (#" + std::to_string(i) +
                  ") is outside [0, " + std::to_string(num_train_timesteps()) + ")");
    }
    if (i > 0 && timesteps[i] >= timesteps[i - 1]) {
      throw Error("custom timesteps: the list must be strictly descending, but #" + std::to_string(i) +
                  " is " + std::to_string(timesteps[i]) + " after " + std::to_string(timesteps[i - 1]));
    }
  }
}

std::vector<double> Scheduler::item_timestep_values(const torch::Tensor& timesteps, int64_t batch,
                                                    bool integral) const {
  if (!timesteps.defined() || timesteps.dim() > 1 || (timesteps.numel() != batch && timesteps.numel() != 1)) {
    throw Error("per-item timesteps: expected one timestep per batch item (" + std::to_string(batch) +
                ") or one for all, got " +
                (timesteps.defined() ? std::to_string(timesteps.numel()) : std::string("none")));
  }
  const auto values = timesteps.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const double* data = values.data_ptr<double>();
  std::vector<double> out(batch);
  const double last = double(num_train_timesteps() - 1);
  for (int64_t i = 0; i < batch; ++i) {
    const double t = data[values.numel() == 1 ? 0 : i];
    if (!(t >= 0 && t <= last) || (integral && t != std::floor(t))) {
      throw Error("per-item timesteps: item " + std::to_string(i) + " has timestep " + std::to_string(t) +
                  ", not " + (integral ? "an integer " : "a value ") + "in [0, " +
                  std::to_string(num_train_timesteps()) + ")");
    }
    out[i] = t;
  }
  return out;
}

std::vector<int64_t> Scheduler::item_timesteps(const torch::Tensor& timesteps, int64_t batch) const {
  const auto values = item_timestep_values(timesteps, batch, /*integral=*/true);
  return std::vector<int64_t>(values.begin(), values.end());
}

float Scheduler::alpha_at(int64_t t) const {
  return alphas_cumprod_.data_ptr<float>()[t];
}

torch::Tensor Scheduler::predict_x0(const torch::Tensor& model_output, const torch::Tensor& sample,
                                    const torch::Tensor& alpha_prod) const {
  const auto m = model_output.to(torch::kFloat32);
  const auto x = sample.to(torch::kFloat32);
  switch (prediction_) {
    case PredictionType::epsilon:
      return (x - (1 - alpha_prod).sqrt() * m) / alpha_prod.sqrt();
    case PredictionType::v_prediction:
      return alpha_prod.sqrt() * x - (1 - alpha_prod).sqrt() * m;
    case PredictionType::sample:
      break;
  }
  return m;
}

torch::Tensor Scheduler::per_item(const std::vector<float>& values, const torch::Tensor& like) {
  std::vector<int64_t> shape(std::max<int64_t>(like.dim(), 1), 1);
  shape[0] = int64_t(values.size());
  torch::Tensor host = torch::tensor(values, torch::kFloat32).view(shape);
  if (!like.is_cuda()) return host.to(like.device());
  // A plain host-to-device copy waits for everything queued on the stream (LibTorch synchronises after
  // a blocking upload), which would stall a frame behind its UNet call. From page-locked memory the
  // copy is queued like a kernel; the caching host allocator keeps the block until the copy is done.
  return host.pin_memory().to(like.device(), /*non_blocking=*/true);
}

torch::Tensor Scheduler::denoise(const torch::Tensor& model_output, const torch::Tensor& sample,
                                 const torch::Tensor& timesteps) const {
  const auto ts = item_timesteps(timesteps, sample.size(0));
  std::vector<float> alphas;
  for (auto t : ts) alphas.push_back(alpha_at(t));
  return predict_x0(model_output, sample, per_item(alphas, sample)).to(model_output.scalar_type());
}

torch::Tensor Scheduler::add_noise(const torch::Tensor& x0, const torch::Tensor& noise,
                                   const torch::Tensor& timesteps) const {
  const auto ts = item_timesteps(timesteps, x0.size(0));
  std::vector<float> alphas;
  for (auto t : ts) alphas.push_back(alpha_at(t));
  const auto a = per_item(alphas, x0);
  return (a.sqrt() * x0.to(torch::kFloat32) + (1 - a).sqrt() * noise.to(torch::kFloat32))
      .to(x0.scalar_type());
}

const std::vector<std::string>& known_samplers() {
  static const std::vector<std::string> names{"lcm", "ddim", "euler", "euler_a"};
  return names;
}

std::unique_ptr<Scheduler> make_scheduler(const nlohmann::json& config, const std::string& name_or_class,
                                          const std::string& where) {
  if (!config.is_object()) throw Error("'" + where + "': a scheduler config must be a JSON object");
  // diffusers' from_config ignores the values the original class took by default, so that a sampler
  // of another class keeps its own defaults for them.
  nlohmann::json cleaned = config;
  if (auto it = config.find("_use_default_values"); it != config.end() && it->is_array()) {
    for (const auto& key : *it) {
      if (key.is_string()) cleaned.erase(key.get<std::string>());
    }
  }
  cleaned.erase("_use_default_values");
  const JsonConfig json(std::move(cleaned), where);

  std::string choice = name_or_class;
  std::string origin;
  if (choice.empty()) {
    if (!json.has("_class_name"))
      json.fail("_class_name", "is missing; choose a sampler (" + join(known_samplers()) + ")");
    choice = json.string("_class_name");
    origin = ", named by \"_class_name\" in '" + where + "'";
  }
  const auto key = lower(choice);
  if (key == "lcm" || key == "lcmscheduler") return std::make_unique<LcmScheduler>(json);
  if (key == "ddim" || key == "ddimscheduler") return std::make_unique<DdimScheduler>(json);
  if (key == "euler" || key == "eulerdiscretescheduler") return std::make_unique<EulerScheduler>(json);
  if (key == "euler_a" || key == "eulerancestraldiscretescheduler") {
    return std::make_unique<EulerAncestralScheduler>(json);
  }
  throw Error("unknown sampler '" + choice + "' (known: " + join(known_samplers()) + ")" + origin);
}

std::unique_ptr<Scheduler> make_scheduler(const nlohmann::json& config, std::optional<Sampler> sampler,
                                          const std::string& where) {
  return make_scheduler(config, sampler ? std::string(sampler_name(*sampler)) : std::string(), where);
}

}  // namespace palette
