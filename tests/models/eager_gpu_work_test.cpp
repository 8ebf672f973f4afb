// palette::EagerGpuWork's bookkeeping, which needs no GPU: who holds it is seen from every thread, nested
// holders on one thread count once, and work on other devices holds nothing. (That a recording is refused
// while it is held, and that eager work on fresh threads no longer breaks captures: cuda_graph_gpu_test.)
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <optional>
#include <thread>

#include "models/cuda_graph.h"

namespace palette {
namespace {

const torch::Device kCuda(torch::kCUDA, 0);  // a device value only: nothing here touches a GPU

TEST(EagerGpuWork, IsSeenFromOtherThreadsWhileHeld) {
  ASSERT_FALSE(EagerGpuWork::running());
  std::optional<EagerGpuWork> work;
  work.emplace(kCuda);
  bool seen = false;
  std::thread([&] { seen = EagerGpuWork::running(); }).join();
  EXPECT_TRUE(seen);
  work.reset();
  std::thread([&] { seen = EagerGpuWork::running(); }).join();
  EXPECT_FALSE(seen);
}

TEST(EagerGpuWork, NestedHoldersOnOneThreadCountOnce) {
  std::optional<EagerGpuWork> outer;
  outer.emplace(kCuda);
  {
    const EagerGpuWork inner(kCuda);  // render_regions inside a caller's own holder: no second lock
    EXPECT_TRUE(EagerGpuWork::running());
  }
  EXPECT_TRUE(EagerGpuWork::running()) << "the inner holder's end released the outer one's hold";
  outer.reset();
  EXPECT_FALSE(EagerGpuWork::running());
}

TEST(EagerGpuWork, SeveralThreadsHoldItAtOnce) {
  std::atomic<int> holding{0};
  std::atomic<bool> release{false};
  std::thread a([&] {
    const EagerGpuWork work(kCuda);
    ++holding;
    while (!release.load()) std::this_thread::yield();
  });
  std::thread b([&] {
    const EagerGpuWork work(kCuda);
    ++holding;
    while (!release.load()) std::this_thread::yield();
  });
  while (holding.load() < 2) std::this_thread::yield();  // neither waits for the other
  EXPECT_TRUE(EagerGpuWork::running());
  release = true;
  a.join();
  b.join();
  EXPECT_FALSE(EagerGpuWork::running());
}

TEST(EagerGpuWork, WorkOnTheCpuHoldsNothing) {
  const EagerGpuWork work(torch::Device(torch::kCPU));
  EXPECT_FALSE(EagerGpuWork::running());
}

}  // namespace
}  // namespace palette
