#include "app/memory_fallback.h"

#include <algorithm>

namespace palette::app {

std::optional<std::string> shrink_after_oom(ErrorKind kind, int& halvings) {
  if (kind != ErrorKind::OutOfMemory || halvings >= kMaxStreamHalvings) return std::nullopt;
  ++halvings;
  return "Out of memory: the live picture now runs at 1/" + std::to_string(1 << halvings) +
         " of the canvas size (the export still renders the full canvas).";
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
