// What both training stages share: the time budget, the loss log (CSV), fp16 checkpoints that carry
// their step count, an exponential moving average of the weights, mixed precision, and the optimiser.
// Thread safety: every object here belongs to the one training thread.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "palette/training.h"
#include "training/world_pool.h"

namespace palette::training {

using Clock = std::chrono::steady_clock;

// The data pools a stage trains on: the UNet's with its captions, region prompts and class balance; the
// other stages look at the pictures only (plain captions, no region bias, no balance maps).
PoolShape pool_shape(const TrainOptions& o);

// Stops a run at its step count or its deadline, whichever comes first (0 = no limit).
class RunBudget {
 public:
  RunBudget(int64_t steps, double minutes);
  bool done(int64_t steps_this_run) const;
  // How far the run is, in [0, 1]: the larger of the steps' and the time's share of their limits.
  double progress(int64_t steps_this_run) const;
  double elapsed_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  int64_t steps_;
  double seconds_;
  Clock::time_point start_;
};

// The log of a run: every `log_every` steps (and after the last) one CSV row — step, loss, the stage's
// extra terms, lr, seconds, pictures/s — and one line through options.log ("step 1200  loss 0.0812  (l1
// 0.0603, …)  lr 2.0e-04  2450 pictures/s"); the report's first and last interval loss. The CSV is
// appended to (a resumed run continues its file); a new one gets a header. Loss terms are summed on the
// device and read back only when logged, so the host never waits for the device between steps.
class RunLog {
 public:
  RunLog(const TrainOptions& options, const std::string& csv_name, std::vector<std::string> terms,
         const RunBudget& budget, TrainReport& report);
  // After step `n` (1-based, this run) with the stage's loss terms (1-D, the loss first, detached).
  void step(int64_t n, const torch::Tensor& terms, double lr);
  // Whether a periodic checkpoint is due (every options.save_minutes); marks it done.
  bool checkpoint_due();
  // Fills the report's timing for `n` steps of this run.
  void finish(int64_t n);

 private:
  const TrainOptions& options_;
  const RunBudget& budget_;
  TrainReport& report_;
  std::vector<std::string> names_;
  std::filesystem::path path_;
  std::ofstream out_;
  torch::Tensor sums_;
  int64_t steps_ = 0;
  double since_ = 0, start_ = 0, last_save_ = 0;
};

// Saves `module`'s parameters and buffers as float16 safetensors (atomically) with the step count in
// the metadata ("palette_step") next to `metadata`.
void save_fp16(const torch::nn::Module& module, const std::filesystem::path& file, int64_t step,
               const std::map<std::string, std::string>& metadata = {});
// The step count a checkpoint written by save_fp16 records (0 when it has none). Throws palette::Error
// naming the file when it cannot be read.
int64_t saved_step(const std::filesystem::path& file);

// An exponential moving average of a module's parameters (decay 0 = off: the average is the module).
class WeightAverage {
 public:
  WeightAverage(torch::nn::Module& module, double decay);
  void update();
  // Runs `f` with the averaged weights in the module, then puts the trained ones back.
  template <class F>
  void with_average(F&& f) {
    swap();
    try {
      f();
    } catch (...) {
      swap();
      throw;
    }
    swap();
  }

 private:
  void swap();
  std::vector<torch::Tensor> params_, average_;
  double decay_;
  int64_t updates_ = 0;
};

// Mixed precision for a scope: bfloat16 autocast on CUDA when `enabled` (LibTorch ≥ 2.4); a no-op
// otherwise. The weight-cast cache is cleared on exit, so every step sees the updated weights.
class AutocastScope {
 public:
  AutocastScope(const torch::Device& device, bool enabled);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  static bool available();  // whether this LibTorch build can autocast from C++

 private:
  bool active_ = false;
};

// AdamW (decoupled weight decay, bias-corrected moments, as torch.optim.AdamW) over all parameters at
// once with multi-tensor (_foreach) kernels — a dozen launches per step instead of a dozen per parameter,
// which is what a small network on a large GPU waits for. The gradients' global norm is clipped to 1.
// The learning rate rises linearly over the first `warmup` steps of this run (a resumed run starts with
// fresh moments, so it warms up again), then falls linearly from `lr` to `lr_end` as the run progresses.
class Optimizer {
 public:
  Optimizer(std::vector<torch::Tensor> params, double lr, double lr_end, int64_t warmup, double weight_decay = 0.01);
  // One update with the gradients in the parameters; returns the learning rate used. `progress` in [0, 1]:
  // the share of the run's budget spent. The rate rises linearly over `warmup` steps, then falls linearly
  // from lr to lr_end over the budget left when the warm-up ended.
  double step(int64_t step_this_run, double progress);
  void zero_grad();  // drops the gradients (backward allocates new ones)

 private:
  std::vector<torch::Tensor> params_, exp_avg_, exp_avg_sq_;
  double lr_, lr_end_, weight_decay_;
  int64_t warmup_, updates_ = 0;
  double decay_from_ = 0.0;  // progress when the warm-up ended
};

// Mean absolute difference of the horizontal and vertical neighbour steps of two (B,C,H,W) pictures: the
// edge term of the autoencoder and decoder stages (keeps textures sharp without a perceptual network).
torch::Tensor edge_l1(const torch::Tensor& a, const torch::Tensor& b);

// Checks the options every stage shares; throws palette::Error naming the option.
void validate_train_options(const TrainOptions& options);

// The training device's seeds, TF32 on CUDA (matmuls and convolutions in float32 at tensor-core speed).
void prepare_device(const TrainOptions& options);

// "step 1200  loss 0.0812  …" on stdout (the CLI's log) through options.log, if set.
void report(const TrainOptions& options, const std::string& line);

}  // namespace palette::training
