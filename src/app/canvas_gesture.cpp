#include "app/canvas_gesture.h"

namespace palette::app {

void CanvasGesture::update(const PointerInput& in, Editor& editor, const ToolState& tools, CanvasView& view) {
  const bool left_pressed = in.left && !was_left_;
  const bool middle_pressed = in.middle && !was_middle_;
  if (in.hovered && in.wheel != 0) view.zoom_at(in.pos, CanvasView::wheel_factor(in.wheel));
  switch (mode_) {
    case Mode::Idle:
      if (!in.hovered) break;
      if (middle_pressed || (left_pressed && in.space)) {
        mode_ = Mode::Panning;
      } else if (left_pressed) {
        mode_ = Mode::Painting;
        editor.press(tools, view.to_canvas(in.pos));
      }
      break;
    case Mode::Painting:
      if (!in.left) {
        editor.release();
        mode_ = Mode::Idle;
      } else if (in.pos.x != last_.x || in.pos.y != last_.y) {
        editor.drag(view.to_canvas(in.pos));
      }
      break;
    case Mode::Panning:
      if (!in.left && !in.middle) {
        mode_ = Mode::Idle;
      } else {
        view.pan({in.pos.x - last_.x, in.pos.y - last_.y});
      }
      break;
  }
  last_ = in.pos;
  was_left_ = in.left;
  was_middle_ = in.middle;
}

}  // namespace palette::app
