#include "app/canvas_gesture.h"

#include <gtest/gtest.h>

namespace palette::app {
namespace {

// A 128 × 128 document shown at zoom 1 with canvas (0, 0) at screen (16, 16).
struct Fixture {
  Editor editor{128, 128};
  ToolState tools;
  CanvasView view;
  CanvasGesture gesture;
  Fixture() {
    view.fit({128, 128}, {0, 0}, {160, 160});
    tools.set_size(8);
    tools.set_hardness(1);
  }
  void frame(double x, double y, bool left, bool hovered = true, bool middle = false, bool space = false,
             double wheel = 0) {
    gesture.update({{x, y}, hovered, left, middle, space, wheel}, editor, tools, view);
  }
  uint8_t at(int x, int y) const { return editor.doc().layers()[0].mask.at(x, y); }
};

TEST(CanvasGesture, PressDragReleasePaintsOneStroke) {
  Fixture f;
  ASSERT_DOUBLE_EQ(f.view.zoom(), 1.0);
  f.frame(16 + 20, 16 + 20, true);
  EXPECT_EQ(f.gesture.mode(), CanvasGesture::Mode::Painting);
  f.frame(16 + 80, 16 + 20, true);
  f.frame(16 + 80, 16 + 20, false);
  EXPECT_EQ(f.gesture.mode(), CanvasGesture::Mode::Idle);
  EXPECT_EQ(f.at(50, 20), 255);  // between the press and the drag point
  EXPECT_EQ(f.at(50, 60), 0);
  EXPECT_TRUE(f.editor.doc().can_undo());
  f.editor.undo();
  EXPECT_TRUE(f.editor.doc().layers()[0].mask.empty());  // the whole stroke was one step
}

TEST(CanvasGesture, AStrokeFollowsThePointerOffTheCanvasUntilRelease) {
  Fixture f;
  f.frame(16 + 20, 16 + 20, true);
  f.frame(500, 16 + 20, true, false);  // off the canvas, button still held
  EXPECT_EQ(f.gesture.mode(), CanvasGesture::Mode::Painting);
  EXPECT_EQ(f.at(120, 20), 255);
  f.frame(500, 500, false, false);
  EXPECT_EQ(f.gesture.mode(), CanvasGesture::Mode::Idle);
  EXPECT_FALSE(f.editor.doc().stroking());
}

TEST(CanvasGesture, PressesOffTheCanvasDoNothing) {
  Fixture f;
  f.frame(16 + 20, 16 + 20, true, false);  // e.g. a popup covers the canvas
  f.frame(16 + 40, 16 + 20, true, true);   // dragged in: not a press
  f.frame(16 + 40, 16 + 20, false, true);
  EXPECT_TRUE(f.editor.doc().layers()[0].mask.empty());
}

TEST(CanvasGesture, SpaceDragAndMiddleDragPanWithoutPainting) {
  Fixture f;
  const Vec2 before = f.view.origin();
  f.frame(50, 50, true, true, false, true);
  f.frame(60, 45, true, true, false, false);  // space let go mid-drag: still panning
  f.frame(60, 45, false);
  EXPECT_DOUBLE_EQ(f.view.origin().x, before.x + 10);
  EXPECT_DOUBLE_EQ(f.view.origin().y, before.y - 5);
  f.frame(60, 45, false, true, true);
  f.frame(70, 45, false, true, true);
  f.frame(70, 45, false, true, false);
  EXPECT_DOUBLE_EQ(f.view.origin().x, before.x + 20);
  EXPECT_TRUE(f.editor.doc().layers()[0].mask.empty());
}

TEST(CanvasGesture, WheelZoomsAboutThePointer) {
  Fixture f;
  const Vec2 under = f.view.to_canvas({80, 60});
  f.frame(80, 60, false, true, false, false, 2);
  EXPECT_NEAR(f.view.zoom(), 1.44, 1e-12);
  EXPECT_NEAR(f.view.to_canvas({80, 60}).x, under.x, 1e-9);
  f.frame(80, 60, false, false, false, false, 2);  // not over the canvas: no zoom
  EXPECT_NEAR(f.view.zoom(), 1.44, 1e-12);
}

TEST(CanvasGesture, FillToolFillsOnPress) {
  Fixture f;
  f.tools.set_tool(Tool::Fill);
  f.frame(16 + 5, 16 + 5, true);
  f.frame(16 + 5, 16 + 5, false);
  EXPECT_EQ(f.at(127, 127), 255);
}

}  // namespace
}  // namespace palette::app
