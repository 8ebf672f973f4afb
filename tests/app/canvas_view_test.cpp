#include "app/canvas_view.h"

#include <gtest/gtest.h>

namespace palette::app {
namespace {

TEST(CanvasView, ScreenAndCanvasAreInverses) {
  CanvasView v;
  v.fit({512, 256}, {100, 50}, {800, 600});
  for (Vec2 c : {Vec2{0, 0}, Vec2{511.5, 255.5}, Vec2{-20, 700}}) {
    const Vec2 back = v.to_canvas(v.to_screen(c));
    EXPECT_NEAR(back.x, c.x, 1e-9);
    EXPECT_NEAR(back.y, c.y, 1e-9);
  }
}

TEST(CanvasView, FitCentresWithMargin) {
  CanvasView v;
  // 800 × 600 region, 16 px margins: the limiting side is the height, (600 − 32) / 256.
  v.fit({256, 256}, {100, 50}, {800, 600});
  EXPECT_DOUBLE_EQ(v.zoom(), 568.0 / 256.0);
  const Vec2 centre = v.to_screen({128, 128});
  EXPECT_DOUBLE_EQ(centre.x, 100 + 400);
  EXPECT_DOUBLE_EQ(centre.y, 50 + 300);
}

TEST(CanvasView, ZoomKeepsThePointUnderTheMouse) {
  CanvasView v;
  v.fit({512, 512}, {0, 0}, {544, 544});  // zoom 1, origin (16, 16)
  ASSERT_DOUBLE_EQ(v.zoom(), 1.0);
  const Vec2 mouse{300, 200};
  const Vec2 before = v.to_canvas(mouse);
  v.zoom_at(mouse, 2.0);
  EXPECT_DOUBLE_EQ(v.zoom(), 2.0);
  const Vec2 after = v.to_canvas(mouse);
  EXPECT_NEAR(after.x, before.x, 1e-9);
  EXPECT_NEAR(after.y, before.y, 1e-9);
  // Pixel (284, 184) under the mouse; one canvas pixel right is now two screen pixels right.
  EXPECT_NEAR(v.to_screen({before.x + 1, before.y}).x, mouse.x + 2, 1e-9);
}

TEST(CanvasView, ZoomIsClamped) {
  CanvasView v;
  for (int i = 0; i < 100; ++i) v.zoom_at({0, 0}, 2);
  EXPECT_DOUBLE_EQ(v.zoom(), CanvasView::kMaxZoom);
  for (int i = 0; i < 100; ++i) v.zoom_at({0, 0}, 0.5);
  EXPECT_DOUBLE_EQ(v.zoom(), CanvasView::kMinZoom);
  v.zoom_at({0, 0}, 0);  // ignored, not a division by zero later
  EXPECT_DOUBLE_EQ(v.zoom(), CanvasView::kMinZoom);
}

TEST(CanvasView, PanMovesTheCanvasWithTheMouse) {
  CanvasView v;
  v.zoom_at({0, 0}, 4);
  const Vec2 before = v.to_screen({10, 10});
  v.pan({5, -3});
  const Vec2 after = v.to_screen({10, 10});
  EXPECT_DOUBLE_EQ(after.x - before.x, 5);
  EXPECT_DOUBLE_EQ(after.y - before.y, -3);
}

TEST(CanvasView, WheelNotchesCompose) {
  EXPECT_DOUBLE_EQ(CanvasView::wheel_factor(0), 1.0);
  EXPECT_DOUBLE_EQ(CanvasView::wheel_factor(1), 1.2);
  EXPECT_NEAR(CanvasView::wheel_factor(1) * CanvasView::wheel_factor(-1), 1.0, 1e-12);
}

}  // namespace
}  // namespace palette::app
