// Where the canvas sits on the screen: a zoom factor and the screen position of the canvas origin,
// with the conversions between screen and canvas pixels that painting, zooming and panning need.
//
//   palette::app::CanvasView view;
//   view.fit({512, 512}, {0, 0}, {800, 600});          // whole canvas, centred
//   Vec2 c = view.to_canvas(mouse);                   // where a dab lands
//   view.zoom_at(mouse, 1.25);                        // the point under the mouse stays put
//
// Thread safety: a plain value.
#pragma once

namespace palette::app {

struct Vec2 {
  double x = 0, y = 0;
};

class CanvasView {
 public:
  static constexpr double kMinZoom = 1.0 / 32;
  static constexpr double kMaxZoom = 64;

  double zoom() const { return zoom_; }    // screen pixels per canvas pixel
  Vec2 origin() const { return origin_; }  // screen position of canvas pixel (0, 0)'s corner

  Vec2 to_canvas(Vec2 screen) const;  // exact inverse of to_screen
  Vec2 to_screen(Vec2 canvas) const;

  // Zoom and offset so the canvas fills `region` (screen rectangle at `region_min` of `region_size`)
  // with a small margin, centred.
  void fit(Vec2 canvas_size, Vec2 region_min, Vec2 region_size);
  // Multiplies the zoom by `factor` (clamped to [kMinZoom, kMaxZoom]) keeping the canvas point under
  // `screen` where it is.
  void zoom_at(Vec2 screen, double factor);
  void pan(Vec2 screen_delta);  // moves the canvas with the mouse
  // The factor for `wheel` notches (positive = in); one notch is 1.2×.
  static double wheel_factor(double wheel);

 private:
  double zoom_ = 1;
  Vec2 origin_;
};

}  // namespace palette::app
