// CudaGraph on CUDA: what a recording holds, and that a replay recomputes from its buffers.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "build_info.h"
#include "models/cuda_graph.h"

#include <atomic>
#include <string>
#include <thread>

#if PALETTE_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
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

// While one thread records, another uses the GPU as the app's picture check and export do: fresh
// allocations, synchronising copies to the host, reading a value. Under CUDA's global capture mode each of
// those failed ("operation not permitted when stream is capturing") and spoilt the recording (issue 23).
TEST(CudaGraphGpu, OtherThreadsUseTheGpuWhileARecordingRuns) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device cuda(torch::kCUDA, 0);
  std::atomic<bool> recording{true};
  std::string other_failure;
  int other_rounds = 0;
  std::thread other([&] {
    torch::NoGradGuard no_grad;
    try {
      for (int64_t n = 1; recording.load() || other_rounds < 50; ++n, ++other_rounds) {
        const torch::Tensor t = torch::full({(n % 61 + 1) << 14}, 1.0f, torch::dtype(torch::kFloat32).device(cuda));
        if (t.sum().item<float>() != float(t.numel())) throw std::runtime_error("wrong sum");
        (void)(t * 2).to(torch::kCPU);
      }
    } catch (const std::exception& e) {
      other_failure = e.what();
    }
  });
  std::string record_failure;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor input = torch::ones({256, 1024}, torch::dtype(torch::kFloat32).device(cuda));
    try {
      for (int i = 0; i < 40; ++i) {
        torch::Tensor output;
        const auto graph = CudaGraph::record(cuda, [&] {
          torch::Tensor x = input;
          for (int k = 0; k < 50; ++k) x = torch::tanh(x * 1.001f + float(i));  // a body with many kernels
          output = x.sum();
        });
        graph->replay();
        (void)output.item<float>();
      }
    } catch (const std::exception& e) {
      record_failure = e.what();
    }
  }
  recording = false;
  other.join();
  std::printf("the other thread ran %d rounds beside 40 recordings\n", other_rounds);
  EXPECT_EQ(record_failure, "");
  EXPECT_EQ(other_failure, "");
}

#ifdef __GLIBC__
// A live session records a new graph each time the stream changes shape (a layer added or removed) and
// destroys the oldest: what a recording holds on the host must go with it. The app's long run held
// 800 MB more of heap after four minutes of random edits, most of it allocated inside libcuda (heaptrack;
// bench/RESULTS.md, sixteenth session); this measures recording churn alone.
TEST(CudaGraphGpu, RecordingAndDestroyingGraphsHoldsNoHostMemory) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard no_grad;
  const torch::Device cuda(torch::kCUDA, 0);
  const auto heap_in_use = [] { return int64_t(mallinfo2().uordblks); };
  const auto churn = [&](int graphs) {
    for (int i = 0; i < graphs; ++i) {
      // A new shape each time, as the stream's batch changes, with a body of a few hundred kernels.
      const torch::Tensor input = torch::ones({64 + i % 7, 1024}, torch::dtype(torch::kFloat32).device(cuda));
      torch::Tensor output;
      auto graph = CudaGraph::record(cuda, [&] {
        torch::Tensor x = input;
        for (int k = 0; k < 300; ++k) x = x * 0.999f + 0.001f;
        output = x.sum();
      });
      graph->replay();
      (void)output.item<float>();
    }
  };
  churn(20);  // libraries' one-time set-up and the allocator's pools
  malloc_trim(0);
  const int64_t before = heap_in_use();
  churn(200);
  malloc_trim(0);
  const int64_t grown = heap_in_use() - before;
  std::printf("host heap in use grew %.1f MB over 200 recordings (%.1f KB each)\n", grown / 1e6, grown / 200e3);
  EXPECT_LT(grown, int64_t(16) << 20);
}
#endif

}  // namespace
}  // namespace palette
