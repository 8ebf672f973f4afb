#include "app/canvas_view.h"

#include <algorithm>
#include <cmath>

namespace palette::app {

Vec2 CanvasView::to_canvas(Vec2 s) const {
  return {(s.x - origin_.x) / zoom_, (s.y - origin_.y) / zoom_};
}

Vec2 CanvasView::to_screen(Vec2 c) const {
  return {origin_.x + c.x * zoom_, origin_.y + c.y * zoom_};
}

void CanvasView::fit(Vec2 canvas, Vec2 region_min, Vec2 region_size) {
  if (canvas.x <= 0 || canvas.y <= 0 || region_size.x <= 0 || region_size.y <= 0) return;
  // 16 pixels of margin so the canvas edge stays visible and paintable past.
  const double margin = 16;
  const double zx = std::max(1.0, region_size.x - 2 * margin) / canvas.x;
  const double zy = std::max(1.0, region_size.y - 2 * margin) / canvas.y;
  zoom_ = std::clamp(std::min(zx, zy), kMinZoom, kMaxZoom);
  origin_ = {region_min.x + (region_size.x - canvas.x * zoom_) / 2,
             region_min.y + (region_size.y - canvas.y * zoom_) / 2};
}

void CanvasView::zoom_at(Vec2 screen, double factor) {
  if (!(factor > 0)) return;
  const Vec2 anchor = to_canvas(screen);
  zoom_ = std::clamp(zoom_ * factor, kMinZoom, kMaxZoom);
  origin_ = {screen.x - anchor.x * zoom_, screen.y - anchor.y * zoom_};
}

void CanvasView::pan(Vec2 d) {
  origin_.x += d.x;
  origin_.y += d.y;
}

double CanvasView::wheel_factor(double wheel) {
  return std::pow(1.2, wheel);
}

}  // namespace palette::app
