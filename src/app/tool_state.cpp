#include "app/tool_state.h"

#include <algorithm>
#include <cmath>

namespace palette::app {

const char* tool_name(Tool tool) {
  switch (tool) {
    case Tool::Brush:
      return "Brush";
    case Tool::Eraser:
      return "Eraser";
    case Tool::Fill:
      return "Fill";
  }
  return "?";
}

void ToolState::set_size(double size) {
  size_ = std::clamp(std::round(size), kMinSize, kMaxSize);
}

void ToolState::set_hardness(double hardness) {
  hardness_ = std::clamp(hardness, 0.0, 1.0);
}

void ToolState::grow() {
  set_size(std::max(size_ + 1, std::round(size_ * 1.2)));
}

void ToolState::shrink() {
  set_size(std::min(size_ - 1, std::round(size_ / 1.2)));
}

Brush ToolState::brush() const {
  Brush b;
  b.diameter = size_;
  b.hardness = hardness_;
  b.erase = tool_ == Tool::Eraser;
  return b;
}

std::optional<size_t> layer_for_digit(int digit, size_t layer_count) {
  if (digit < 1 || digit > 9 || static_cast<size_t>(digit) > layer_count) return std::nullopt;
  return static_cast<size_t>(digit - 1);
}

}  // namespace palette::app
