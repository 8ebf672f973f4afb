// The current tool and brush: what a press on the canvas does. Brush size steps with [ and ] the way
// painting programs do (bigger steps for bigger brushes); 1–9 pick the brush (layer) by position.
//
//   ToolState tools;
//   tools.set_tool(Tool::Eraser);
//   tools.grow();                                   // ']'
//   palette::Brush b = tools.brush();               // what Document::begin_stroke takes
//
// Thread safety: a plain value.
#pragma once

#include <cstddef>
#include <optional>

#include "palette/document.h"

namespace palette::app {

enum class Tool { Brush, Eraser, Fill };

const char* tool_name(Tool tool);  // "Brush", "Eraser", "Fill"

class ToolState {
 public:
  static constexpr double kMinSize = 1;
  static constexpr double kMaxSize = 1024;

  Tool tool() const { return tool_; }
  void set_tool(Tool tool) { tool_ = tool; }
  double size() const { return size_; }
  void set_size(double size);  // clamped to [kMinSize, kMaxSize]
  double hardness() const { return hardness_; }
  void set_hardness(double hardness);  // clamped to [0, 1]
  void grow();                         // ']': the next step up (≈ 20 %, at least 1 pixel)
  void shrink();                       // '[': the step down (≈ 1/1.2, at least 1 pixel)

  // The brush for a stroke of the current tool (the eraser erases; Fill has no stroke but returns
  // the brush's shape anyway).
  Brush brush() const;

 private:
  Tool tool_ = Tool::Brush;
  double size_ = 32;
  double hardness_ = 0.8;
};

// The layer that key `digit` (1–9) selects among `layer_count` layers numbered bottom-up, as the
// palette panel lists them; nullopt for 0, a digit past the count or anything else.
std::optional<size_t> layer_for_digit(int digit, size_t layer_count);

}  // namespace palette::app
