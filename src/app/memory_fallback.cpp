#include "app/memory_fallback.h"

#include <algorithm>

namespace palette::app {

std::optional<std::string> shrink_after_oom(ErrorKind kind, int& halvings) {
  if (kind != ErrorKind::OutOfMemory || halvings >= kMaxStreamHalvings) return std::nullopt;
  ++halvings;
  return "Out of memory: the live picture now runs at 1/" + std::to_string(1 << halvings) +
         " of the canvas size (the export still renders the full canvas).";
}

std::optional<std::string> LiveSizeFallback::after_failure(ErrorKind kind, double now) {
  std::optional<std::string> notice = shrink_after_oom(kind, halvings_);
  if (!notice) return std::nullopt;
  // A larger size that failed at once: the memory is still taken, so ask less often; one that held: it was
  // taken afresh, so ask as at first.
  if (grew_) {
    const bool at_once = !pictured_ || now - first_picture_ < kHeldSeconds;
    wait_ = at_once ? std::min(2 * wait_, kLongestGrowWait) : kFirstGrowSeconds;
  }
  pictured_ = false;
  grew_ = false;
  return notice;
}

void LiveSizeFallback::picture_shown(double now) {
  if (pictured_) return;
  pictured_ = true;
  first_picture_ = now;
}

std::optional<std::string> LiveSizeFallback::grow_if_due(double now) {
  if (halvings_ == 0 || !pictured_ || now - first_picture_ < (grew_ ? kHeldSeconds : wait_)) return std::nullopt;
  if (grew_) wait_ = kFirstGrowSeconds;  // the last try held: the memory is back, go on growing
  --halvings_;
  pictured_ = false;
  grew_ = true;
  const std::string size =
      halvings_ == 0 ? "the full canvas size" : "1/" + std::to_string(1 << halvings_) + " of the canvas size";
  return "Trying the live picture at " + size + " again (the memory may be free by now).";
}

bool load_on_cpu_instead(ErrorKind kind, bool on_gpu) {
  return on_gpu && kind == ErrorKind::OutOfMemory;
}

std::string export_failure(ErrorKind kind, const std::string& message) {
  if (kind == ErrorKind::Cancelled) return "export cancelled";  // the user's own doing, not a failure
  std::string said = "export failed: " + message;
  if (kind == ErrorKind::OutOfMemory) said += " (try the CPU: --device cpu)";
  return said;
}

}  // namespace palette::app
