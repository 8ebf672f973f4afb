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
// A destroyed graph's pool goes back to the driver, not into the allocator's cache: what a live session
// holds follows the graphs it keeps (a ten-minute app run grew to the whole device between recordings).
TEST(CudaGraphGpu, ADestroyedGraphReturnsItsPoolToTheDriver) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard no_grad;
  const torch::Device cuda(torch::kCUDA, 0);
  const auto reserved = [] { return c10::cuda::CUDACachingAllocator::getDeviceStats(0).reserved_bytes[0].current; };
  const torch::Tensor input = torch::ones({64, 1024, 1024}, torch::dtype(torch::kFloat32).device(cuda));  // 256 MiB
  torch::Tensor output;
  auto graph = CudaGraph::record(cuda, [&] { output = (input * 2).sum(0); });
  ASSERT_NE(graph, nullptr);
  const int64_t with_graph = reserved();
  const int64_t pool = graph->memory_bytes();
  ASSERT_GE(pool, int64_t(256) << 20);
  output = torch::Tensor();
  graph.reset();
  std::printf("reserved with the graph %lld MiB, after it %lld MiB (its pool %lld MiB)\n",
              static_cast<long long>(with_graph >> 20), static_cast<long long>(reserved() >> 20),
              static_cast<long long>(pool >> 20));
  EXPECT_LE(reserved(), with_graph - pool);
}
#endif

}  // namespace
}  // namespace palette
