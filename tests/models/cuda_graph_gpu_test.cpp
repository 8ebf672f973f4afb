// CudaGraph on CUDA: what a recording holds, and that a replay recomputes from its buffers.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "build_info.h"
#include "models/cuda_graph.h"

#if PALETTE_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace palette {
namespace {

TEST(CudaGraphGpu, ReplayRecomputesAndCountsThePoolItHolds) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard no_grad;
  const torch::Device cuda(torch::kCUDA, 0);
  const torch::Tensor input = torch::ones({16, 1024, 1024}, torch::dtype(torch::kFloat32).device(cuda));  // 64 MiB
  torch::Tensor output;
  const auto graph = CudaGraph::record(cuda, [&] { output = (input * 2).sum(0); });
  ASSERT_NE(graph, nullptr);
  // The temporary `input * 2` (64 MiB) and the output live in the graph's pool.
  EXPECT_GE(graph->memory_bytes(), int64_t(64) << 20);
  input.fill_(3);
  graph->replay();
  EXPECT_EQ(output.max().item<float>(), 96.0f);
  EXPECT_EQ(output.min().item<float>(), 96.0f);
  // A quarter of the GPU: room for one recorded stream shape beside the model.
  EXPECT_GT(graph_memory_budget(cuda), int64_t(1) << 30);
  EXPECT_EQ(graph_memory_budget(torch::Device(torch::kCPU)), 0);
}

#if PALETTE_WITH_CUDA
// The pool of a destroyed graph goes back to the driver when the next recording starts, not into the
// allocator's cache for good: what a live session holds follows the graphs it keeps (a ten-minute app run
// grew to the whole device between recordings).
TEST(CudaGraphGpu, ARecordingReturnsThePoolsOfDestroyedGraphs) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard no_grad;
  const torch::Device cuda(torch::kCUDA, 0);
  const auto reserved = [] { return c10::cuda::CUDACachingAllocator::getDeviceStats(0).reserved_bytes[0].current; };
  const torch::Tensor input = torch::ones({64, 1024, 1024}, torch::dtype(torch::kFloat32).device(cuda));  // 256 MiB
  torch::Tensor output;
  auto big = CudaGraph::record(cuda, [&] { output = (input * 2).sum(0); });
  ASSERT_NE(big, nullptr);
  const int64_t with_big = reserved();
  const int64_t pool = big->memory_bytes();
  ASSERT_GE(pool, int64_t(256) << 20);
  output = torch::Tensor();
  big.reset();
  const torch::Tensor small_input = torch::ones({1024}, torch::dtype(torch::kFloat32).device(cuda));
  torch::Tensor small_output;
  const auto small = CudaGraph::record(cuda, [&] { small_output = small_input * 2; });
  ASSERT_NE(small, nullptr);
  std::printf("reserved with the big graph %lld MiB (its pool %lld MiB), after a small recording %lld MiB\n",
              static_cast<long long>(with_big >> 20), static_cast<long long>(pool >> 20),
              static_cast<long long>(reserved() >> 20));
  EXPECT_LE(reserved(), with_big - pool + small->memory_bytes());
}
#endif

}  // namespace
}  // namespace palette
