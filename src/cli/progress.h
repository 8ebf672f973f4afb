// Step progress of long commands (render, panorama, …) on stderr: one line redrawn with '\r' on a
// terminal, plain lines otherwise (logs, pipes), so captured output stays readable.
//
//   palette::cli::ProgressBar bar;
//   options.progress = [&bar](int step, int total) { bar(step, total); };
//
// Thread safety: one bar per command; call it from one thread.
#pragma once

#include <chrono>

namespace palette::cli {

class ProgressBar {
 public:
  ProgressBar();
  void operator()(int step, int total);  // after step `step` of `total` (1 … total)

 private:
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace palette::cli
