// Runs tasks on threads that outlive them. CUDA libraries keep state per thread (cuDNN's and cuBLAS's
// handles, cuDNN's plans): a thread made for each live stream made that state anew every time, and the
// app's host heap grew about 20 MB with each stream (issue 23, bench/RESULTS.md, eighteenth session). A
// finished task's thread waits for the next one instead.
//
//   std::future<int> answer = palette::on_pooled_thread([] { return render(); });
//   answer.get();   // the task's value, or its exception rethrown
//
// Promises: the task starts at once, on an idle thread of the process's pool or on a new one when none is
// idle (tasks never wait for each other); at most a few idle threads are kept, the rest end. Idle threads
// are never joined: they wait until the process ends.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <type_traits>
#include <utility>

namespace palette {

// Starts `task` on a pooled thread; its result goes to the future on_pooled_thread made.
void start_on_pooled_thread(std::function<void()> task);

template <class Fn>
std::future<std::invoke_result_t<Fn>> on_pooled_thread(Fn fn) {
  // Shared, because std::function copies what it holds and a packaged_task cannot be copied.
  auto task = std::make_shared<std::packaged_task<std::invoke_result_t<Fn>()>>(std::move(fn));
  std::future<std::invoke_result_t<Fn>> result = task->get_future();
  start_on_pooled_thread([task] { (*task)(); });
  return result;
}

}  // namespace palette
