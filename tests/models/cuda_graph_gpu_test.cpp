// CudaGraph on CUDA: what a recording holds, and that a replay recomputes from its buffers.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/cuda_graph.h"

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

}  // namespace
}  // namespace palette
