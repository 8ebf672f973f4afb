// Pooled threads: a task's value and exception come back, tasks never wait for each other, finished tasks'
// threads are used again (what keeps CUDA libraries' per-thread state from being made per stream), and a ready
// future means the task holds nothing any more.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/pooled_threads.h"

namespace palette {
namespace {

TEST(PooledThreads, ATaskGivesItsValueOrItsException) {
  EXPECT_EQ(on_pooled_thread([] { return 42; }).get(), 42);
  std::future<void> failing = on_pooled_thread([] { throw std::runtime_error("the task failed"); });
  EXPECT_THROW(failing.get(), std::runtime_error);
  EXPECT_EQ(on_pooled_thread([] { return 7; }).get(), 7);  // the thread that threw serves on
}

// More tasks at once than the pool keeps idle: each must start while the others still run, or none ends.
TEST(PooledThreads, TasksNeverWaitForEachOther) {
  constexpr int kTasks = 10;
  std::atomic<int> started{0};
  std::vector<std::future<bool>> tasks;
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back(on_pooled_thread([&started] {
      ++started;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (started < kTasks && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
      return started.load() == kTasks;
    }));
  }
  for (auto& t : tasks) EXPECT_TRUE(t.get()) << "a task waited for another to finish";
}

// One task after another: a thread per task would serve one task each. (Thread ids cannot tell: glibc hands a
// finished thread's id to the next new thread.) The pool's finished thread is idle again within microseconds of
// its task's end; the pause between tasks leaves room for a slow scheduler.
TEST(PooledThreads, FinishedTasksThreadsAreUsedAgain) {
  int most_served = 0;
  for (int i = 0; i < 40; ++i) {
    most_served = std::max(most_served, on_pooled_thread([] {
                                          thread_local int served = 0;
                                          return ++served;
                                        }).get());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_GE(most_served, 30);
}

// The future is ready only once the task's captures are gone: a caller that waited may drop what it shared.
TEST(PooledThreads, TheFutureIsReadyAfterTheTaskLetGoOfItsCaptures) {
  for (int i = 0; i < 20; ++i) {
    auto shared = std::make_shared<int>(i);
    on_pooled_thread([held = shared] { return *held; }).get();
    EXPECT_EQ(shared.use_count(), 1) << "round " << i;
    std::future<void> failing = on_pooled_thread([held = shared] { throw std::runtime_error("no"); });
    EXPECT_THROW(failing.get(), std::runtime_error);
    EXPECT_EQ(shared.use_count(), 1) << "round " << i << ", after an exception";
  }
}

}  // namespace
}  // namespace palette
