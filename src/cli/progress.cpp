#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace palette::cli {

ProgressBar::ProgressBar()
    : tty_(::isatty(::fileno(stderr)) != 0), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::operator()(int step, int total) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!tty_) {
    std::fprintf(stderr, "step %d/%d (%.1f s)\n", step, total, seconds);
    return;
  }
  constexpr int kWidth = 30;
  const int filled = total > 0 ? step * kWidth / total : kWidth;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\rstep %d/%d [%s] %.1f s", step, total, bar.c_str(), seconds);
  if (step == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace palette::cli
