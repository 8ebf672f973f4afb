// CudaGraph on CUDA: what a recording holds, and that a replay recomputes from its buffers.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "build_info.h"
#include "models/cuda_graph.h"
#include "palette/cuda_graph_figures.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>
#include <string>
#include <thread>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#if PALETTE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
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

#if PALETTE_WITH_CUDA
// While one thread records, another uses the GPU as the app's picture check and export do: fresh
// allocations, synchronising copies to the host, reading a value. Under CUDA's global capture mode each of
// those failed ("operation not permitted when stream is capturing") and spoilt the recording (issue 23). The
// recording's body waits, while it is being captured, for the other thread to run whole rounds, so the two
// overlap every time rather than by chance.
TEST(CudaGraphGpu, OtherThreadsUseTheGpuWhileARecordingRuns) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device cuda(torch::kCUDA, 0);
  std::atomic<bool> stop{false}, capturing{false}, other_failed{false};
  std::atomic<int> rounds_in_captures{0};
  std::string other_failure;
  std::thread other([&] {
    torch::NoGradGuard no_grad;
    try {
      for (int64_t n = 1; !stop.load(); ++n) {
        const bool during = capturing.load();
        const torch::Tensor t = torch::full({(n % 61 + 1) << 14}, 1.0f, torch::dtype(torch::kFloat32).device(cuda));
        if (t.sum().item<float>() != float(t.numel())) throw std::runtime_error("wrong sum");
        (void)(t * 2).to(torch::kCPU);
        if (during && capturing.load()) ++rounds_in_captures;
      }
    } catch (const std::exception& e) {
      other_failure = e.what();
      other_failed = true;
    }
  });
  const auto being_captured = [] {
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    return cudaStreamIsCapturing(at::cuda::getCurrentCUDAStream(), &status) == cudaSuccess &&
           status == cudaStreamCaptureStatusActive;
  };
  std::string record_failure;
  const int recordings = 10;
  try {
    torch::NoGradGuard no_grad;
    const torch::Tensor input = torch::ones({256, 1024}, torch::dtype(torch::kFloat32).device(cuda));
    for (int i = 0; i < recordings; ++i) {
      torch::Tensor output;
      const auto graph = CudaGraph::record(cuda, [&] {
        torch::Tensor x = input;
        for (int k = 0; k < 50; ++k) x = torch::tanh(x * 1.001f + float(i));
        if (being_captured()) {  // host-side waiting only: no CUDA call while captured
          const int wanted = rounds_in_captures.load() + 2;
          capturing = true;
          const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
          while (rounds_in_captures.load() < wanted && !other_failed.load() && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          capturing = false;
        }
        output = x.sum();
      });
      if (!graph) throw std::runtime_error("no graph recorded on CUDA");  // (an ASSERT would leave `other` running)
      graph->replay();
      EXPECT_TRUE(std::isfinite(output.item<float>()));
    }
  } catch (const std::exception& e) {
    record_failure = e.what();
  }
  stop = true;
  other.join();
  std::printf("the other thread ran %d whole rounds inside %d captures\n", rounds_in_captures.load(), recordings);
  EXPECT_EQ(record_failure, "");
  EXPECT_EQ(other_failure, "");
  EXPECT_GE(rounds_in_captures.load(), 2 * recordings);
}

#endif

// While one-shot work holds an EagerGpuWork (an export), a recording is refused before its body runs, and
// made once the work has ended.
TEST(CudaGraphGpu, ARecordingIsRefusedWhileEagerWorkRuns) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard no_grad;
  const torch::Device cuda(torch::kCUDA, 0);
  const torch::Tensor input = torch::ones({64, 64}, torch::dtype(torch::kFloat32).device(cuda));
  torch::Tensor output;
  int ran = 0;
  const auto body = [&] {
    ++ran;
    output = (input * 3.0f).sum();
  };
  {
    std::atomic<bool> held{false}, release{false};
    std::thread exporter([&] {
      const EagerGpuWork work(cuda);
      held = true;
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    while (!held.load()) std::this_thread::yield();
    EXPECT_THROW(CudaGraph::record(cuda, body), GraphRecordingBusy);
    release = true;
    exporter.join();
  }
  EXPECT_EQ(ran, 0);
  const auto graph = CudaGraph::record(cuda, body);
  ASSERT_NE(graph, nullptr);
  graph->replay();
  EXPECT_FLOAT_EQ(output.item<float>(), 3.0f * 64 * 64);
}

// The failure this guards against (issue 23, bench/RESULTS.md twenty-first session): a picture check on a
// pooled thread beside a stream that recorded new shapes failed every time with "operation not permitted
// when stream is capturing", and the stream's recordings with it, though captures are thread-local. Here
// one-shot work on a fresh thread per round (a convolution, a matrix product and a device-wide
// synchronisation, which CUDA forbids during any capture in any mode) runs under an EagerGpuWork while
// this thread records graphs whose captures linger 5 ms on the host, for two seconds. Neither side may
// fail; recordings refused as busy are tried again a millisecond later.
TEST(CudaGraphGpu, EagerWorkOnFreshThreadsKeepsOutOfRecordings) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device cuda(torch::kCUDA, 0);
  std::atomic<bool> stop{false}, eager_failed{false};
  std::atomic<int> eager_rounds{0};
  std::mutex failure_mutex;
  std::string eager_failure;
  std::thread eager([&] {
    for (int n = 0; !stop.load() && !eager_failed.load(); ++n) {
      std::thread fresh([&, n] {
        try {
          torch::NoGradGuard no_grad;
          const EagerGpuWork work(cuda);
          const auto half = torch::dtype(torch::kHalf).device(cuda);
          const torch::Tensor x = torch::randn({2, 8, 32 + 8 * (n % 4), 32}, half);
          const torch::Tensor y = torch::conv2d(x, torch::randn({8, 8, 3, 3}, half), {}, 1, 1);
          const torch::Tensor z = torch::matmul(y.flatten(1), torch::randn({y[0].numel(), 16}, half));
          torch::cuda::synchronize();
          if (!std::isfinite(z.abs().sum().item<float>())) throw std::runtime_error("not finite");
          ++eager_rounds;
        } catch (const std::exception& e) {
          const std::lock_guard<std::mutex> lock(failure_mutex);
          eager_failure = e.what();
          eager_failed = true;
        }
      });
      fresh.join();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // room for a recording between rounds
    }
  });
  std::string record_failure;
  int recorded = 0, busy = 0;
  try {
    torch::NoGradGuard no_grad;
    const torch::Tensor input = torch::ones({256, 1024}, torch::dtype(torch::kFloat32).device(cuda));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (int i = 0; std::chrono::steady_clock::now() < until && !eager_failed.load(); ++i) {
      torch::Tensor output;
      std::unique_ptr<CudaGraph> graph;
      try {
        graph = CudaGraph::record(cuda, [&] {
          torch::Tensor x = input;
          for (int k = 0; k < 20; ++k) x = torch::tanh(x * 1.001f + float(i));
          std::this_thread::sleep_for(std::chrono::milliseconds(5));  // host-side only: no CUDA call
          output = x.sum();
        });
      } catch (const GraphRecordingBusy&) {
        ++busy;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      if (!graph) throw std::runtime_error("no graph recorded on CUDA");
      graph->replay();
      if (!std::isfinite(output.item<float>())) throw std::runtime_error("a replay was not finite");
      ++recorded;
    }
  } catch (const std::exception& e) {
    record_failure = e.what();
  }
  stop = true;
  eager.join();
  std::printf("%d recordings, %d refused as busy, %d eager rounds on fresh threads\n", recorded, busy,
              eager_rounds.load());
  EXPECT_EQ(record_failure, "");
  EXPECT_EQ(eager_failure, "");
  EXPECT_GE(recorded, 10);
  EXPECT_GE(eager_rounds.load(), 10);
}

#if PALETTE_WITH_CUDA
// A live-mode switch used to run the retiring stream's last frame beside the new stream's first recordings,
// and a layer change makes both record: two threads recording and destroying graphs at once broke captures
// ("operation not permitted when stream is capturing", bench/RESULTS.md, eighteenth session). Recordings
// now take turns: each capture lingers 20 ms (on the host only) so that the other thread's recording or
// graph destruction would land inside it, and no two captures may overlap. Each thread records, replays
// and destroys graphs of its own shapes and checks the values.
TEST(CudaGraphGpu, TwoThreadsRecordAndDestroyGraphsAtOnce) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device cuda(torch::kCUDA, 0);
  std::atomic<int> capturing{0}, most_at_once{0}, captures{0};
  std::string failures[2];
  const auto recorder = [&](int who) {
    torch::NoGradGuard no_grad;
    try {
      for (int i = 0; i < 20; ++i) {
        const int64_t rows = 64 * (1 + (i + who) % 4);  // a new shape most times, as a layer added or removed
        const torch::Tensor input = torch::full({rows, 512}, 0.5f, torch::dtype(torch::kFloat32).device(cuda));
        torch::Tensor output;
        const auto graph = CudaGraph::record(cuda, [&] {
          torch::Tensor x = input;
          for (int k = 0; k < 40; ++k) x = torch::relu(x * 1.0f + 0.0f);
          cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
          if (cudaStreamIsCapturing(at::cuda::getCurrentCUDAStream(), &status) == cudaSuccess &&
              status == cudaStreamCaptureStatusActive) {
            const int now = ++capturing;
            int seen = most_at_once.load();
            while (now > seen && !most_at_once.compare_exchange_weak(seen, now)) {
            }
            ++captures;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            --capturing;
          }
          output = x.sum();
        });
        if (!graph) throw std::runtime_error("no graph recorded on CUDA");
        graph->replay();
        const float got = output.item<float>(), want = 0.5f * float(rows * 512);
        if (std::abs(got - want) > 1e-3f * want) throw std::runtime_error("replay gave " + std::to_string(got));
      }
    } catch (const std::exception& e) {
      failures[who] = e.what();
    }
  };
  std::thread a(recorder, 0), b(recorder, 1);
  a.join();
  b.join();
  EXPECT_EQ(failures[0], "");
  EXPECT_EQ(failures[1], "");
  EXPECT_EQ(captures.load(), 40);
  EXPECT_EQ(most_at_once.load(), 1) << "two captures ran at once";
}
#endif

#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
// A live session records a new graph each time the stream changes shape (a layer added or removed) and
// destroys the oldest: what a recording holds on the host must go with it. The app's long run held
// 800 MB more of heap after four minutes of random edits, most of it allocated inside libcuda (heaptrack;
// bench/RESULTS.md, sixteenth session); this measures recording churn alone.
TEST(CudaGraphGpu, RecordingAndDestroyingGraphsHoldsNoHostMemory) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard no_grad;
  const torch::Device cuda(torch::kCUDA, 0);
  const auto heap_in_use = [] {  // what malloc handed out, mmapped blocks included
    const struct mallinfo2 m = mallinfo2();
    return int64_t(m.uordblks + m.hblkhd);
  };
  const auto churn = [&](int graphs) {
    for (int i = 0; i < graphs; ++i) {
      // A new recording each time, of one of seven shapes, with a body of a few hundred kernels.
      const torch::Tensor input = torch::ones({64 + i % 7, 1024}, torch::dtype(torch::kFloat32).device(cuda));
      torch::Tensor output;
      auto graph = CudaGraph::record(cuda, [&] {
        torch::Tensor x = input;
        for (int k = 0; k < 300; ++k) x = x * 0.999f + 0.001f;
        output = x.sum();
      });
      ASSERT_NE(graph, nullptr);
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

// The figures a long session's metrics carry: recordings counted when made, graphs alive until destroyed.
TEST(CudaGraphGpu, FiguresCountRecordingsAndGraphsAlive) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::NoGradGuard no_grad;
  const torch::Device cuda(torch::kCUDA, 0);
  const CudaGraphFigures before = cuda_graph_figures();
  {
    const torch::Tensor input = torch::ones({256, 1024}, torch::dtype(torch::kFloat32).device(cuda));
    torch::Tensor output;
    std::vector<std::unique_ptr<CudaGraph>> graphs;
    for (int i = 0; i < 3; ++i) graphs.push_back(CudaGraph::record(cuda, [&] { output = (input * 2.0f).sum(); }));
    const CudaGraphFigures during = cuda_graph_figures();
    EXPECT_EQ(during.graphs_recorded - before.graphs_recorded, 3);
    EXPECT_EQ(during.graphs_alive - before.graphs_alive, 3);
    graphs.pop_back();
    EXPECT_EQ(cuda_graph_figures().graphs_alive - before.graphs_alive, 2);
  }
  const CudaGraphFigures after = cuda_graph_figures();
  EXPECT_EQ(after.graphs_alive, before.graphs_alive);
  EXPECT_EQ(after.graphs_recorded - before.graphs_recorded, 3);
}
#endif

}  // namespace
}  // namespace palette
