#include "base/pooled_threads.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace palette {
namespace {

// Enough for the app's streams while one retires and one starts, its picture check and its export.
constexpr size_t kMaxIdle = 4;

// A thread waiting for its next task. Each has its own slot, so a task handed to it is its own: no other
// thread can take it, and no task waits while a thread is free.
struct IdleThread {
  std::condition_variable wake;
  std::function<void()> task;
};

struct Pool {
  std::mutex mutex;
  std::vector<IdleThread*> idle;
};

// Never destroyed: idle threads still wait on it while the process ends.
Pool& pool() {
  static Pool* const p = new Pool;
  return *p;
}

void serve(std::function<void()> task) {
  IdleThread self;
  for (;;) {
    task();
    task = nullptr;  // what the task held goes now, not when the next one comes
    Pool& p = pool();
    std::unique_lock<std::mutex> lock(p.mutex);
    if (p.idle.size() >= kMaxIdle) return;
    p.idle.push_back(&self);
    self.wake.wait(lock, [&] { return bool(self.task); });
    task = std::move(self.task);
    self.task = nullptr;
  }
}

}  // namespace

namespace detail {

void start_on_pooled_thread(std::function<void()> task) {
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    if (!p.idle.empty()) {
      IdleThread* t = p.idle.back();
      p.idle.pop_back();
      t->task = std::move(task);
      t->wake.notify_one();  // under the lock: `t` lives on a thread that may otherwise end before this returns
      return;
    }
  }
  std::thread(serve, std::move(task)).detach();
}

}  // namespace detail

}  // namespace palette
