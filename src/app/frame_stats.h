// Frames per second of the generated picture and the stroke-to-picture latencies: the time from
// publishing a document version to the first frame made with it (or a later version), and to the first
// settled such frame (every denoising step has seen the edit).
//
//   FrameStats stats;
//   stats.published(doc.version(), now);                  // after every publish
//   stats.frame(frame->version, now, frame->settled);     // after every take_frame that returns a frame
//   show(stats.fps(now), stats.latency_ms(), stats.settled_ms_of_newest());
//
// Times are seconds on any monotonic clock. Thread safety: a plain value, used by one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

namespace palette::app {

class FrameStats {
 public:
  // Five seconds: long enough to show a rate for a CPU engine at one frame a second.
  explicit FrameStats(double window_s = 5.0) : window_s_(window_s) {}

  void published(uint64_t version, double t);  // versions must not go down; equal ones keep the first time
  void frame(uint64_t version, double t, bool settled = false);

  // Frames in the last `window` seconds divided by the time they span. A slow engine (a CPU at a frame
  // every few seconds) puts fewer than three frames in the window: then the last three frames count, as
  // long as the newest is not older than three of their intervals (else the stream has stopped: 0).
  // 0 before two frames.
  double fps(double now) const;
  // The newest measured latency in milliseconds; nullopt until a frame has caught up with a publish.
  std::optional<double> latency_ms() const { return latency_ms_; }
  // The same up to the first settled frame that includes the edit.
  std::optional<double> settled_ms() const { return settled_ms_; }
  // settled_ms() when it is of the edit latency_ms() measured (or a later one), else nullopt: while the newest
  // edit settles, an older edit's figure beside its first change reads as if settling took less than showing.
  std::optional<double> settled_ms_of_newest() const {
    return settled_version_ >= latency_version_ ? settled_ms_ : std::nullopt;
  }
  // How many latencies have been measured: a change tells a new measurement from an equal one.
  uint64_t latencies_measured() const { return latencies_; }
  uint64_t settled_measured() const { return settled_; }
  void reset();  // e.g. when the stream restarts with another model

 private:
  double window_s_;
  std::deque<double> frames_;                        // frame times inside the window, and at least the last three
  std::deque<std::pair<uint64_t, double>> pending_;  // published versions no frame has reached
  std::deque<std::pair<uint64_t, double>> unsettled_;  // published versions no settled frame has reached
  std::optional<double> latency_ms_, settled_ms_;
  uint64_t latency_version_ = 0, settled_version_ = 0;  // the publishes the two figures answered
  uint64_t latencies_ = 0, settled_ = 0;
};

// "stroke to picture: 780 ms, settled 2320 ms" (a dash for what is not measured yet), as the app shows
// it and a scripted session prints it.
std::string stroke_to_picture_text(const FrameStats& stats);

}  // namespace palette::app
