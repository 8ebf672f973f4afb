// `palette bench -w profile`: where the time goes. Records a few eager UNet forward passes at the
// stream's batch (15), and a few whole stream frames (768² exact, 512² regional attention, as the
// stream workloads run them), with LibTorch's Kineto profiler into Chrome traces, which
// scripts/gpu/trace-summary.py groups by kernel family (convolution, GEMM, attention, GroupNorm,
// layout transposes, elementwise) and reads for idle device time. The UNet passes are eager, not
// graph-replayed: the kernels are the same, and the trace then names the operator that launched each.
#include "cli/bench_workloads.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include "build_info.h"
#include "models/model_parts.h"

#if PALETTE_WITH_CUDA
#include <torch/csrc/autograd/profiler_kineto.h>
#endif

namespace palette::cli {

#if PALETTE_WITH_CUDA
namespace {

// Runs `work` `passes` times under the Kineto profiler (CPU and CUDA activity), writes the trace to
// `path` and returns the wall milliseconds per pass.
double traced(const std::string& path, int passes, const std::function<void()>& work) {
  namespace impl = torch::profiler::impl;
  const impl::ProfilerConfig config(impl::ProfilerState::KINETO, false, false);
  const std::set<impl::ActivityType> activities{impl::ActivityType::CPU, impl::ActivityType::CUDA};
  torch::autograd::profiler::prepareProfiler(config, activities);
  torch::autograd::profiler::enableProfiler(config, activities);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < passes; ++i) work();
  torch::cuda::synchronize();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  torch::autograd::profiler::disableProfiler()->save(path);
  return ms / passes;
}

}  // namespace
#endif

std::vector<BenchRow> profile_rows(const Model& model, const BenchSettings& settings) {
  std::vector<BenchRow> rows;
#if PALETTE_WITH_CUDA
  torch::NoGradGuard no_grad;
  const ModelParts& parts = model_parts(model);
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

  const double ms = traced(settings.profile_dir + "/unet_b15.trace.json", 3, [&] { unet->forward(x, t, hidden); });
  rows.push_back({"UNet 512², batch 15, eager, profiled ×3", ms, 0, double(batch) * unet_gflop(model, 512, 512),
                  "trace: " + settings.profile_dir + "/unet_b15.trace.json"});

  // Whole stream frames as the stream workloads run them (CUDA graphs as set): the gaps between the
  // kernels show where the device waits for the host.
  for (const auto& [side, mode] : {std::pair<int, std::string>{768, "multidiffusion"}, {512, "regional"}}) {
    BenchSettings stream_settings = settings;
    stream_settings.stream_mode = mode;
    const std::unique_ptr<StreamEngine> engine = bench_stream(model, stream_settings, side, false, true);
    for (int i = 0; i < std::max(settings.warmup, 1) * 5; ++i) engine->step();
    const std::string path = settings.profile_dir + "/stream" + std::to_string(side) + "_" + mode + ".trace.json";
    const int frames = 5;
    const double frame_ms = traced(path, frames, [&] { engine->step(); });
    rows.push_back({"stream " + std::to_string(side) + "², " + mode + ", over a picture, profiled ×5", frame_ms,
                    1000.0 / frame_ms, 0, "trace: " + path});
  }
#else
  (void)model;
  (void)settings;
#endif
  return rows;
}

}  // namespace palette::cli
