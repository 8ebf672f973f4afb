#include "app/frame_stats.h"

#include <algorithm>

namespace palette::app {

namespace {

constexpr size_t kSlowFrames = 3;  // the fewest frames a rate is taken over

void add_pending(std::deque<std::pair<uint64_t, double>>& pending, uint64_t version, double t) {
  if (!pending.empty() && pending.back().first >= version) return;
  pending.emplace_back(version, t);
  // Typing into a prompt publishes hundreds of versions; only the newest answered one matters for
  // the latency, but keep a bound anyway.
  if (pending.size() > 4096) pending.pop_front();
}

// A frame answers every publish up to its version; the latency is that of the newest one, the edit the
// user made last and is watching for.
void answer(std::deque<std::pair<uint64_t, double>>& pending, uint64_t version, double t,
            std::optional<double>& latency_ms, uint64_t& measured, uint64_t& answered_version) {
  std::optional<double> answered;
  while (!pending.empty() && pending.front().first <= version) {
    answered = pending.front().second;
    answered_version = pending.front().first;
    pending.pop_front();
  }
  if (!answered) return;
  latency_ms = (t - *answered) * 1000.0;
  ++measured;
}

}  // namespace

void FrameStats::published(uint64_t version, double t) {
  add_pending(pending_, version, t);
  add_pending(unsettled_, version, t);
}

void FrameStats::frame(uint64_t version, double t, bool settled) {
  frames_.push_back(t);
  while (frames_.size() > kSlowFrames && frames_.front() < t - window_s_) frames_.pop_front();
  answer(pending_, version, t, latency_ms_, latencies_, latency_version_);
  if (settled) answer(unsettled_, version, t, settled_ms_, settled_, settled_version_);
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

std::string stroke_to_picture_text(const FrameStats& stats) {
  const auto ms = [](std::optional<double> v) {
    return v ? std::to_string(static_cast<long long>(*v + 0.5)) + " ms" : std::string("-");
  };
  return "stroke to picture: " + ms(stats.latency_ms()) + ", settled " + ms(stats.settled_ms_of_newest());
}

void FrameStats::reset() {
  frames_.clear();
  pending_.clear();
  unsettled_.clear();
  latency_ms_.reset();
  settled_ms_.reset();
  latency_version_ = settled_version_ = 0;
}

}  // namespace palette::app
