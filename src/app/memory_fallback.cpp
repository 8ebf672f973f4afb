#include "app/memory_fallback.h"

#include <algorithm>

namespace palette::app {

bool is_out_of_memory(const std::string& message) {
  return message.find("out of memory") != std::string::npos || message.find("bad_alloc") != std::string::npos;
}

int halve_side(int side) {
  return std::max(64, side / 2 / 8 * 8);
}

std::pair<int, int> scaled_size(int width, int height, int halvings) {
  for (int i = 0; i < halvings; ++i) {
    width = halve_side(width);
    height = halve_side(height);
  }
  return {width, height};
}

std::optional<std::string> shrink_after_oom(const std::string& error, int& halvings) {
  if (!is_out_of_memory(error) || halvings >= kMaxStreamHalvings) return std::nullopt;
  ++halvings;
  return "Out of memory: the live picture now runs at 1/" + std::to_string(1 << halvings) +
         " of the canvas size (the export still renders the full canvas).";
}

}  // namespace palette::app
