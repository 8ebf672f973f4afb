// Runs tasks on threads that outlive them. CUDA libraries keep state per thread (cuDNN's and cuBLAS's
// handles, cuDNN's plans): a thread made for each live stream made that state anew every time, and the
// app's host heap grew about 20 MB with each stream (issue 23, bench/RESULTS.md, eighteenth session). A
// finished task's thread waits for the next one instead.
//
//   std::future<int> answer = palette::on_pooled_thread([] { return render(); });
//   answer.get();   // the task's value, or its exception rethrown
//
// Promises: the task starts at once, on an idle thread of the process's pool or on a new one when none is
// idle (tasks never wait for each other); at most a few idle threads are kept, the rest end. The future is
// ready only after the task has returned and what it captured has been destroyed, so a caller that waits for
// it knows the task holds nothing any more (a model, a snapshot). A thread parks again just after that: a task
// started in that instant gets a new thread. Idle threads are never joined: they wait until the process ends.
#pragma once

#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace palette {

namespace detail {
// Starts `task` on a pooled thread. `task` must not throw (on_pooled_thread's wrapper catches everything).
void start_on_pooled_thread(std::function<void()> task);
}  // namespace detail

template <class Fn>
std::future<std::invoke_result_t<Fn>> on_pooled_thread(Fn fn) {
  using Result = std::invoke_result_t<Fn>;
  // Shared, because std::function copies what it holds and neither a promise nor every task can be copied.
  struct Job {
    std::optional<Fn> fn;
    std::promise<Result> promise;
  };
  auto job = std::make_shared<Job>();
  job->fn.emplace(std::move(fn));
  std::future<Result> result = job->promise.get_future();
  detail::start_on_pooled_thread([job] {
    try {
      if constexpr (std::is_void_v<Result>) {
        (*job->fn)();
        job->fn.reset();  // the captures go before the future is ready
        job->promise.set_value();
      } else {
        Result value = (*job->fn)();
        job->fn.reset();
        job->promise.set_value(std::move(value));
      }
    } catch (...) {
      job->fn.reset();
      job->promise.set_exception(std::current_exception());
    }
  });
  return result;
}

}  // namespace palette
