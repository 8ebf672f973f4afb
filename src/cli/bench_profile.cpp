// `palette bench -w profile`: where the UNet's time goes. Records a few eager forward passes at the
// stream's batch (15) with LibTorch's Kineto profiler and writes a Chrome trace per pass set, which
// scripts/gpu/trace-summary.py groups by kernel family (convolution, GEMM, attention, GroupNorm,
// layout transposes, elementwise). Eager, not graph-replayed: the kernels are the same, and the trace
// then names the operator that launched each one.
#include "cli/bench_workloads.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "build_info.h"
#include "models/model_parts.h"

#if PALETTE_WITH_CUDA
#include <torch/csrc/autograd/profiler_kineto.h>
#endif

namespace palette::cli {

std::vector<BenchRow> profile_rows(const Model& model, const BenchSettings& settings) {
  std::vector<BenchRow> rows;
#if PALETTE_WITH_CUDA
  torch::NoGradGuard no_grad;
  const ModelParts& parts = model.parts();
  if (!parts.device.is_cuda()) return rows;
  const auto options = torch::dtype(parts.dtype).device(parts.device);
  const int64_t batch = 15;
  const torch::Tensor x = torch::randn({batch, 4, 64, 64}, options);
  const torch::Tensor t = torch::full({batch}, 500, torch::dtype(torch::kInt64).device(parts.device));
  const int64_t width = parts.unet->config().cross_attention_dim[0];
  const torch::Tensor hidden = torch::randn({batch, 77, width}, options);
  UNet2DConditionModel unet = parts.unet;
  for (int i = 0; i < settings.warmup + 2; ++i) unet->forward(x, t, hidden);
  torch::cuda::synchronize(parts.device.index());

  namespace impl = torch::profiler::impl;
  const impl::ProfilerConfig config(impl::ProfilerState::KINETO, false, false);
  const std::set<impl::ActivityType> activities{impl::ActivityType::CPU, impl::ActivityType::CUDA};
  torch::autograd::profiler::prepareProfiler(config, activities);
  torch::autograd::profiler::enableProfiler(config, activities);
  const int passes = 3;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < passes; ++i) unet->forward(x, t, hidden);
  torch::cuda::synchronize(parts.device.index());
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const auto result = torch::autograd::profiler::disableProfiler();
  const std::string path = settings.profile_dir + "/unet_b15.trace.json";
  result->save(path);
  rows.push_back({"UNet 512², batch 15, eager, profiled ×3", ms / passes, 0, double(batch), "trace: " + path});
#else
  (void)model;
  (void)settings;
#endif
  return rows;
}

}  // namespace palette::cli
