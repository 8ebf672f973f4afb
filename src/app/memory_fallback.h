// What the app does when the device runs out of memory: the live picture is made smaller (each time
// half the sides, at most three times) and grows back when the memory may be free again, and model loading
// retries on the CPU. The engine session applies these, and says a stopped export with them; the decisions
// live here so they are tested without a GPU. They are taken on the failure's palette::ErrorKind, never on
// its message.
//
//   LiveSizeFallback size;
//   if (auto notice = size.after_failure(error.kind(), now)) show(*notice);   // then rebuild the stream
//   size.picture_shown(now);                                                  // each picture the stream shows
//   if (auto notice = size.grow_if_due(now)) show(*notice);                   // every poll; then rebuild
//   size.halvings();                                                          // of the live picture's sides
//
// Thread safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>

#include "palette/error.h"

namespace palette::app {

constexpr int kMaxStreamHalvings = 3;

// For a stream failure of `kind`: when it is OutOfMemory and another halving is allowed, increments
// `halvings` and returns the notice to show; nullopt otherwise (the error is shown as it is).
std::optional<std::string> shrink_after_oom(ErrorKind kind, int& halvings);

// The live picture's size after running out of memory. Memory taken by another program comes back (issue
// 23's session where another process held the GPU for a minute left the picture at 1/8 for good): once the
// stream has shown pictures at a reduced size for kFirstGrowSeconds without running out, the next larger size
// is tried, and while each try holds for kHeldSeconds after its first picture the next one follows. A try that
// runs out of memory before its first picture or within kHeldSeconds of it halves again and doubles the wait
// before the next, up to kLongestGrowWait, so a GPU that stays full is asked less and less often. Times count
// from a size's first picture, not from the change: a new size first waits for the old stream to stop and
// records its graphs. Times are seconds on a monotonic clock.
class LiveSizeFallback {
 public:
  static constexpr double kFirstGrowSeconds = 30;
  static constexpr double kHeldSeconds = 10;
  static constexpr double kLongestGrowWait = 480;

  // A stream failure of `kind` at `now`: shrink_after_oom's rule and notice.
  std::optional<std::string> after_failure(ErrorKind kind, double now);
  // The stream showed a picture at `now` (at the current size).
  void picture_shown(double now);
  // When a larger picture is due at `now`: one halving fewer, and the notice saying so; else nullopt. The caller
  // asks only while the stream may make pictures (not paused, no export running).
  std::optional<std::string> grow_if_due(double now);
  int halvings() const { return halvings_; }
  double wait_seconds() const { return wait_; }

 private:
  int halvings_ = 0;
  bool pictured_ = true;             // the current size has shown a picture
  double first_picture_ = 0;         // when it did
  double wait_ = kFirstGrowSeconds;  // from a shrink's first picture to the next try
  bool grew_ = false;                // the last change was a try at a larger size
};
// Whether a model that failed to load on `on_gpu` with `kind` is loaded again on the CPU.
bool load_on_cpu_instead(ErrorKind kind, bool on_gpu);
// What an export that stopped with `kind` and `message` says ("export cancelled" for Cancelled).
std::string export_failure(ErrorKind kind, const std::string& message);

}  // namespace palette::app
