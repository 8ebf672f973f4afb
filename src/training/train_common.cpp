#include "training/train_common.h"

#include <torch/version.h>

#include <cstdio>
#include <iostream>

#include "models/module_weights.h"
#include "palette/error.h"
#include "palette/safetensors.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#include <ATen/autocast_mode.h>
#define PALETTE_CPP_AUTOCAST 1
#else
#define PALETTE_CPP_AUTOCAST 0
#endif

namespace palette::training {

RunBudget::RunBudget(int64_t steps, double minutes) : steps_(steps), seconds_(60.0 * minutes), start_(Clock::now()) {}

bool RunBudget::done(int64_t steps_this_run) const {
  if (steps_ > 0 && steps_this_run >= steps_) return true;
  return seconds_ > 0 && elapsed_s() >= seconds_;
}

LossLog::LossLog(const std::filesystem::path& path, const std::vector<std::string>& extra_columns) : path_(path) {
  const bool fresh = !std::filesystem::exists(path) || std::filesystem::file_size(path) == 0;
  out_.open(path, std::ios::app);
  if (!out_) throw Error("'" + path.string() + "': cannot open the training log");
  if (fresh) {
    out_ << "step,loss";
    for (const auto& c : extra_columns) out_ << "," << c;
    out_ << ",lr,seconds,samples_per_s\n";
  }
}

void LossLog::write(int64_t step, double loss, const std::vector<double>& extra, double lr, double seconds,
                    double samples_per_s) {
  char line[64];
  out_ << step;
  std::snprintf(line, sizeof line, ",%.6g", loss);
  out_ << line;
  for (double e : extra) {
    std::snprintf(line, sizeof line, ",%.6g", e);
    out_ << line;
  }
  std::snprintf(line, sizeof line, ",%.3g,%.1f,%.1f\n", lr, seconds, samples_per_s);
  out_ << line << std::flush;
  if (!out_) throw Error("'" + path_.string() + "': cannot write the training log");
}

void save_fp16(const torch::nn::Module& module, const std::filesystem::path& file, int64_t step,
               const std::map<std::string, std::string>& metadata) {
  NamedTensors tensors;
  for (const auto& [name, t] : module_state(module)) tensors.emplace_back(name, t.detach().to(torch::kCPU, torch::kHalf));
  auto meta = metadata;
  meta["palette_step"] = std::to_string(step);
  meta["format"] = "pt";
  save_safetensors(file, tensors, meta);
}

int64_t saved_step(const std::filesystem::path& file) {
  const auto st = SafetensorsFile::open(file);
  const auto it = st.metadata().find("palette_step");
  if (it == st.metadata().end()) return 0;
  try {
    return std::stoll(it->second);
  } catch (const std::exception&) {
    throw Error("'" + file.string() + "': metadata palette_step '" + it->second + "' is not a number");
  }
}

WeightAverage::WeightAverage(torch::nn::Module& module, double decay) : decay_(decay) {
  if (decay_ <= 0) return;
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    params_.push_back(p);
    average_.push_back(p.detach().clone());
  }
}

void WeightAverage::update() {
  if (decay_ <= 0) return;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) average_[i].lerp_(params_[i], 1.0 - decay_);
}

void WeightAverage::swap() {
  if (decay_ <= 0) return;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor trained = params_[i].detach().clone();
    params_[i].copy_(average_[i]);
    average_[i].copy_(trained);
  }
}

AutocastScope::AutocastScope(const torch::Device& device, bool enabled) {
#if PALETTE_CPP_AUTOCAST
  if (enabled && device.is_cuda()) {
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
    active_ = true;
  }
#else
  (void)device;
  (void)enabled;
#endif
}

AutocastScope::~AutocastScope() {
#if PALETTE_CPP_AUTOCAST
  if (active_) {
    at::autocast::set_autocast_enabled(at::kCUDA, false);
    at::autocast::clear_cache();
  }
#endif
}

bool AutocastScope::available() { return PALETTE_CPP_AUTOCAST != 0; }

Optimizer::Optimizer(std::vector<torch::Tensor> params, double lr, int64_t warmup, double weight_decay)
    : params_(params),
      adam_(params, torch::optim::AdamWOptions(lr).betas(std::make_tuple(0.9, 0.999)).weight_decay(weight_decay)),
      lr_(lr),
      warmup_(warmup) {}

double Optimizer::step(int64_t step_this_run) {
  const double lr = warmup_ > 0 && step_this_run < warmup_ ? lr_ * static_cast<double>(step_this_run + 1) / warmup_ : lr_;
  for (auto& group : adam_.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  torch::nn::utils::clip_grad_norm_(params_, 1.0);
  adam_.step();
  return lr;
}

void validate_train_options(const TrainOptions& o) {
  if (o.out.empty()) throw Error("--out: the model folder is required");
  if (o.steps < 0) throw Error("--steps " + std::to_string(o.steps) + " must be ≥ 0");
  if (o.minutes < 0) throw Error("--minutes must be ≥ 0");
  if (o.steps == 0 && o.minutes == 0) throw Error("give --steps or --minutes (or both): a run needs an end");
  if (o.batch < 1) throw Error("--batch " + std::to_string(o.batch) + " must be at least 1");
  if (o.image_size < 64 || o.image_size % 8 != 0)
    throw Error("--size " + std::to_string(o.image_size) + " must be a multiple of 8, at least 64");
  if (o.stage == TrainStage::Autoencoder && (o.crop < 32 || o.crop % 8 != 0 || o.crop > o.image_size))
    throw Error("--crop " + std::to_string(o.crop) + " must be a multiple of 8 in [32, --size]");
  if (!(o.lr >= 0)) throw Error("--lr must be ≥ 0");
  if (o.warmup < 0) throw Error("--warmup must be ≥ 0");
  if (!(o.ema >= 0 && o.ema < 1)) throw Error("--ema must be in [0, 1)");
  if (!(o.caption_dropout >= 0 && o.caption_dropout <= 1)) throw Error("--caption-dropout must be in [0, 1]");
  if (!(o.lcm_timestep_share >= 0 && o.lcm_timestep_share <= 1)) throw Error("--lcm-share must be in [0, 1]");
  if (o.pool < o.batch) throw Error("--pool " + std::to_string(o.pool) + " must be at least --batch");
  if (o.log_every < 1) throw Error("--log-every must be at least 1");
  if (o.device.is_cuda() && !torch::cuda::is_available()) throw Error("--device cuda: no CUDA device is usable");
  if (o.bf16 && !o.device.is_cuda()) throw Error("--bf16 needs --device cuda");
  if (o.bf16 && !AutocastScope::available())
    throw Error("--bf16: this LibTorch (" + std::string(TORCH_VERSION) + ") has no C++ autocast; leave it out");
}

void prepare_device(const TrainOptions& o) {
  torch::manual_seed(o.seed);
  if (o.device.is_cuda()) {
    at::globalContext().setAllowTF32CuBLAS(true);
    at::globalContext().setAllowTF32CuDNN(true);
    at::globalContext().setBenchmarkCuDNN(true);
  }
}

void report(const TrainOptions& o, const std::string& line) {
  if (o.log) o.log(line);
}

}  // namespace palette::training
