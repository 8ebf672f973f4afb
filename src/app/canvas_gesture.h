// What the mouse does on the canvas, apart from ImGui: a press starts a stroke (or a fill) with the
// current tool, dragging continues it, releasing ends it; space + drag or the middle button pans; the
// wheel zooms about the pointer. The canvas panel feeds it one PointerInput per frame.
//
//   CanvasGesture gesture;
//   gesture.update({mouse, hovered, left, middle, space, wheel}, editor, tools, view);
//
// Thread safety: UI thread only.
#pragma once

#include "app/canvas_view.h"
#include "app/editor.h"
#include "app/tool_state.h"

namespace palette::app {

struct PointerInput {
  Vec2 pos;              // screen pixels
  bool hovered = false;  // over the canvas and not covered by another window or popup
  bool left = false;     // buttons held this frame
  bool middle = false;
  bool space = false;  // the pan key held
  double wheel = 0;    // notches this frame, positive = away from the user (zoom in)
};

class CanvasGesture {
 public:
  enum class Mode { Idle, Painting, Panning };

  // Applies one frame of input. A press counts only over the canvas; a stroke or pan once started
  // follows the pointer anywhere until its button is released.
  void update(const PointerInput& in, Editor& editor, const ToolState& tools, CanvasView& view);
  Mode mode() const { return mode_; }

 private:
  Mode mode_ = Mode::Idle;
  Vec2 last_;
  bool was_left_ = false, was_middle_ = false;
};

}  // namespace palette::app
