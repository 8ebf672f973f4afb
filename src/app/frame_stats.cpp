#include "app/frame_stats.h"

#include <algorithm>

namespace palette::app {

namespace {
constexpr size_t kSlowFrames = 3;  // the fewest frames a rate is taken over
}  // namespace

void FrameStats::published(uint64_t version, double t) {
  if (!pending_.empty() && pending_.back().first >= version) return;
  pending_.emplace_back(version, t);
  // Typing into a prompt publishes hundreds of versions; only the oldest unanswered one matters for
  // the latency, but keep a bound anyway.
  if (pending_.size() > 4096) pending_.pop_front();
}

void FrameStats::frame(uint64_t version, double t) {
  frames_.push_back(t);
  while (frames_.size() > kSlowFrames && frames_.front() < t - window_s_) frames_.pop_front();
  // The frame answers every publish up to its version; the latency is that of the newest one, the
  // edit the user made last and is watching for.
  std::optional<double> answered;
  while (!pending_.empty() && pending_.front().first <= version) {
    answered = pending_.front().second;
    pending_.pop_front();
  }
  if (answered) latency_ms_ = (t - *answered) * 1000.0;
}

double FrameStats::fps(double now) const {
  size_t n = 0;
  double first = 0;
  for (double t : frames_) {
    if (t < now - window_s_) continue;
    if (n == 0) first = t;
    ++n;
  }
  if (n < kSlowFrames && frames_.size() >= 2) {  // a slow engine: its last frames, while it still runs
    n = std::min(frames_.size(), kSlowFrames);
    first = frames_[frames_.size() - n];
    const double interval = (frames_.back() - first) / static_cast<double>(n - 1);
    if (now - frames_.back() > std::max(window_s_, 3 * interval)) return 0;
  }
  if (n < 2) return 0;
  const double span = frames_.back() - first;
  return span > 0 ? (n - 1) / span : 0;
}

void FrameStats::reset() {
  frames_.clear();
  pending_.clear();
  latency_ms_.reset();
}

}  // namespace palette::app
