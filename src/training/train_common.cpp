#include "training/train_common.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

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

double RunBudget::progress(int64_t steps_this_run) const {
  double p = 0;
  if (steps_ > 0) p = static_cast<double>(steps_this_run) / static_cast<double>(steps_);
  if (seconds_ > 0) p = std::max(p, elapsed_s() / seconds_);
  return std::min(p, 1.0);
}

RunLog::RunLog(const TrainOptions& options, const std::string& csv_name, std::vector<std::string> terms,
               const RunBudget& budget, TrainReport& report)
    : options_(options), budget_(budget), report_(report), names_(std::move(terms)), path_(options.out / csv_name) {
  const bool fresh = !std::filesystem::exists(path_) || std::filesystem::file_size(path_) == 0;
  out_.open(path_, std::ios::app);
  if (!out_) throw Error("'" + path_.string() + "': cannot open the training log");
  if (fresh) {
    for (const auto& n : names_) out_ << (&n == &names_.front() ? "step," : ",") << n;
    out_ << ",lr,seconds,samples_per_s\n";
  }
  since_ = start_ = last_save_ = budget.elapsed_s();
}

void RunLog::step(int64_t n, const torch::Tensor& terms, double lr) {
  sums_ = sums_.defined() ? sums_ + terms : terms.clone();
  ++steps_;
  if (n % options_.log_every != 0 && !budget_.done(n)) return;
  const torch::Tensor means = (sums_ / static_cast<double>(steps_)).to(torch::kCPU, torch::kDouble);
  const double now = budget_.elapsed_s();
  const double rate = static_cast<double>(steps_) * options_.batch / std::max(now - since_, 1e-9);
  const int64_t step = report_.start_step + n;
  char value[48];
  std::string row = std::to_string(step), line = "step " + std::to_string(step);
  for (int64_t i = 0; i < means.size(0); ++i) {
    const double m = means[i].item<double>();
    std::snprintf(value, sizeof value, "%.6g", m);
    row += std::string(",") + value;
    std::snprintf(value, sizeof value, "%.4g", m);
    line += i == 0 ? std::string("  loss ") + value : (i == 1 ? "  (" : ", ") + names_.at(i) + " " + value;
    if (i != 0) continue;
    if (report_.first_loss == 0) report_.first_loss = m;
    report_.last_loss = m;
  }
  std::snprintf(value, sizeof value, ",%.3g,%.1f,%.1f\n", lr, now, rate);
  out_ << row << value << std::flush;
  if (!out_) throw Error("'" + path_.string() + "': cannot write the training log");
  std::snprintf(value, sizeof value, "  lr %.1e  %.0f pictures/s", lr, rate);
  report(options_, line + (means.size(0) > 1 ? ")" : "") + value);
  sums_ = torch::Tensor();
  steps_ = 0;
  since_ = now;
}

bool RunLog::checkpoint_due() {
  if (options_.save_minutes <= 0 || budget_.elapsed_s() - last_save_ < 60.0 * options_.save_minutes) return false;
  last_save_ = budget_.elapsed_s();
  return true;
}

void RunLog::finish(int64_t n) {
  report_.end_step = report_.start_step + n;
  report_.seconds = budget_.elapsed_s();
  report_.step_ms = n > 0 ? 1000.0 * (report_.seconds - start_) / static_cast<double>(n) : 0.0;
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
  // Warmed up: a fixed 0.999 keeps e^-1 of the starting weights after 1000 steps, so a short run (a CPU
  // run, the first minutes of a stage) would save an average still a third untrained. (1 + n) / (10 + n)
  // follows the weights closely at first and reaches `decay` after ~9000 updates at 0.999.
  ++updates_;
  const double decay = std::min(decay_, (1.0 + double(updates_)) / (10.0 + double(updates_)));
  at::_foreach_mul_(average_, at::Scalar(decay));
  at::_foreach_add_(average_, params_, at::Scalar(1.0 - decay));
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

Optimizer::Optimizer(std::vector<torch::Tensor> params, double lr, double lr_end, int64_t warmup, double weight_decay)
    : params_(std::move(params)), lr_(lr), lr_end_(lr_end), weight_decay_(weight_decay), warmup_(warmup) {
  torch::NoGradGuard no_grad;
  for (const auto& p : params_) {
    exp_avg_.push_back(torch::zeros_like(p));
    exp_avg_sq_.push_back(torch::zeros_like(p));
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.mutable_grad() = torch::Tensor();
}

double Optimizer::step(int64_t step_this_run, double progress) {
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8, kMaxNorm = 1.0;
  // The decay starts where the warm-up ends, so the run reaches the peak it was given (a decay that began
  // during the warm-up capped run 9's peak at two thirds of --lr).
  double lr = lr_;
  if (warmup_ > 0 && step_this_run < warmup_) {
    lr *= static_cast<double>(step_this_run + 1) / static_cast<double>(warmup_);
    decay_from_ = progress;
  } else {
    const double span = 1.0 - decay_from_;
    const double t = span > 0 ? (progress - decay_from_) / span : 1.0;
    lr += (lr_end_ - lr_) * std::clamp(t, 0.0, 1.0);
  }
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> params, grads, m, v;  // those that received a gradient
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].grad().defined()) continue;
    params.push_back(params_[i]);
    grads.push_back(params_[i].grad());
    m.push_back(exp_avg_[i]);
    v.push_back(exp_avg_sq_[i]);
  }
  if (params.empty()) return lr;
  const double norm = torch::stack(at::_foreach_norm(grads)).norm().item<double>();
  if (norm > kMaxNorm) at::_foreach_mul_(grads, at::Scalar(kMaxNorm / (norm + 1e-6)));
  ++updates_;
  const double bias1 = 1.0 - std::pow(kBeta1, static_cast<double>(updates_));
  const double bias2 = 1.0 - std::pow(kBeta2, static_cast<double>(updates_));
  at::_foreach_mul_(params, at::Scalar(1.0 - lr * weight_decay_));
  at::_foreach_mul_(m, at::Scalar(kBeta1));
  at::_foreach_add_(m, grads, at::Scalar(1.0 - kBeta1));
  at::_foreach_mul_(v, at::Scalar(kBeta2));
  at::_foreach_addcmul_(v, grads, grads, at::Scalar(1.0 - kBeta2));
  std::vector<torch::Tensor> denominator = at::_foreach_sqrt(v);
  at::_foreach_div_(denominator, at::Scalar(std::sqrt(bias2)));
  at::_foreach_add_(denominator, at::Scalar(kEps));
  at::_foreach_addcdiv_(params, m, denominator, at::Scalar(-lr / bias1));
  return lr;
}

torch::Tensor edge_l1(const torch::Tensor& a, const torch::Tensor& b) {
  const auto dx = [](const torch::Tensor& t) { return t.narrow(3, 1, t.size(3) - 1) - t.narrow(3, 0, t.size(3) - 1); };
  const auto dy = [](const torch::Tensor& t) { return t.narrow(2, 1, t.size(2) - 1) - t.narrow(2, 0, t.size(2) - 1); };
  return (dx(a) - dx(b)).abs().mean() + (dy(a) - dy(b)).abs().mean();
}

PoolShape pool_shape(const TrainOptions& o) {
  PoolShape shape{o.image_size, static_cast<float>(o.large_share), CaptionStyle::Plain, 0.0f, o.scene_weights};
  if (o.stage == TrainStage::Unet) {
    shape.captions = o.varied_captions ? CaptionStyle::Varied : CaptionStyle::Plain;
    shape.region_small_bias = static_cast<float>(o.region_small_bias);
    shape.class_balance = static_cast<float>(o.class_balance);
  }
  return shape;
}

void validate_train_options(const TrainOptions& o) {
  if (o.out.empty()) throw Error("--out: the model folder is required");
  if (o.steps < 0) throw Error("--steps " + std::to_string(o.steps) + " must be ≥ 0");
  if (o.minutes < 0) throw Error("--minutes must be ≥ 0");
  if (o.steps == 0 && o.minutes == 0) throw Error("give --steps or --minutes (or both): a run needs an end");
  if (o.batch < 1) throw Error("--batch " + std::to_string(o.batch) + " must be at least 1");
  if (o.image_size < 64 || o.image_size % 8 != 0)
    throw Error("--size " + std::to_string(o.image_size) + " must be a multiple of 8, at least 64");
  if ((o.stage == TrainStage::Autoencoder || o.stage == TrainStage::VaeDecoder) && (o.crop < 32 || o.crop % 8 != 0 || o.crop > o.image_size))
    throw Error("--crop " + std::to_string(o.crop) + " must be a multiple of 8 in [32, --size]");
  if (!(o.lr >= 0)) throw Error("--lr must be ≥ 0");
  if (std::isnan(o.lr_end)) throw Error("--lr-end must be a number");
  if (o.warmup < 0) throw Error("--warmup must be ≥ 0");
  if (!(o.detail_weight >= 0 && std::isfinite(o.detail_weight))) throw Error("--detail-weight must be a number ≥ 0");
  if (!(o.ema >= 0 && o.ema < 1)) throw Error("--ema must be in [0, 1)");
  if (!(o.caption_dropout >= 0 && o.caption_dropout <= 1)) throw Error("--caption-dropout must be in [0, 1]");
  if (!(o.lcm_timestep_share >= 0 && o.lcm_timestep_share <= 1)) throw Error("--lcm-share must be in [0, 1]");
  if (!(o.large_share >= 0 && o.large_share <= 1)) throw Error("--large-share must be in [0, 1]");
  if (!(o.unknown_words >= 0 && o.unknown_words <= 1)) throw Error("--unknown-words must be in [0, 1]");
  if (!(o.region_prompt_share >= 0 && o.region_prompt_share <= 1)) throw Error("--region-prompts must be in [0, 1]");
  if (!(o.region_small_bias >= 0 && o.region_small_bias <= 4)) throw Error("--region-small-bias must be in [0, 4]");
  if (o.region_small_bias > 0 && o.region_prompt_share == 0)
    throw Error("--region-small-bias chooses the class of region prompts: it needs --region-prompts above 0");
  if (!(o.class_balance >= 0 && o.class_balance <= 2)) throw Error("--class-balance must be in [0, 2]");
  if (!(o.region_context_share >= 0 && o.region_context_share <= 1))
    throw Error("--region-context must be in [0, 1]");
  if (o.region_context_share > 0 && o.region_prompt_share == 0)
    throw Error("--region-context changes the surroundings of region prompts: it needs --region-prompts above 0");
  {
    WorldOptions world;  // the scene weights as the world checks them
    world.scene_weights = o.scene_weights;
    try {
      validate_world_options(world);
    } catch (const Error& e) {
      throw Error(std::string("--scene-weights: ") + e.what());
    }
  }
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
    // The host only launches kernels and makes pictures (on threads of its own): a small intra-op pool
    // keeps its spinning threads from competing with both.
    at::set_num_threads(std::min(at::get_num_threads(), 4));
    at::globalContext().setAllowTF32CuBLAS(true);
    at::globalContext().setAllowTF32CuDNN(true);
    at::globalContext().setBenchmarkCuDNN(true);
  }
}

void report(const TrainOptions& o, const std::string& line) {
  if (o.log) o.log(line);
}

}  // namespace palette::training
