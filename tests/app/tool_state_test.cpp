#include "app/tool_state.h"

#include <gtest/gtest.h>

#include <set>

#include "app/shortcuts.h"

namespace palette::app {
namespace {

TEST(ToolState, EraserErasesAndBrushPaints) {
  ToolState t;
  t.set_size(40);
  t.set_hardness(0.5);
  EXPECT_FALSE(t.brush().erase);
  EXPECT_DOUBLE_EQ(t.brush().diameter, 40);
  EXPECT_DOUBLE_EQ(t.brush().hardness, 0.5);
  t.set_tool(Tool::Eraser);
  EXPECT_TRUE(t.brush().erase);
}

TEST(ToolState, SizeStepsGrowByAFifthAndAtLeastOnePixel) {
  ToolState t;
  t.set_size(32);
  t.grow();
  EXPECT_DOUBLE_EQ(t.size(), 38);  // round(32 · 1.2)
  t.set_size(2);
  t.grow();
  EXPECT_DOUBLE_EQ(t.size(), 3);  // 2.4 rounds to 2: at least one pixel
  t.shrink();
  EXPECT_DOUBLE_EQ(t.size(), 2);
  t.set_size(38);
  t.shrink();
  EXPECT_DOUBLE_EQ(t.size(), 32);  // round(38 / 1.2) = 32
}

TEST(ToolState, SizeAndHardnessAreClamped) {
  ToolState t;
  t.set_size(1);
  t.shrink();
  EXPECT_DOUBLE_EQ(t.size(), ToolState::kMinSize);
  t.set_size(1e9);
  t.grow();
  EXPECT_DOUBLE_EQ(t.size(), ToolState::kMaxSize);
  t.set_hardness(3);
  EXPECT_DOUBLE_EQ(t.hardness(), 1);
  t.set_hardness(-1);
  EXPECT_DOUBLE_EQ(t.hardness(), 0);
}

TEST(ToolState, DigitsSelectLayersFromTheBottom) {
  EXPECT_EQ(layer_for_digit(1, 3), std::optional<size_t>(0));
  EXPECT_EQ(layer_for_digit(3, 3), std::optional<size_t>(2));
  EXPECT_EQ(layer_for_digit(4, 3), std::nullopt);
  EXPECT_EQ(layer_for_digit(0, 3), std::nullopt);
  EXPECT_EQ(layer_for_digit(10, 20), std::nullopt);
}

TEST(Shortcuts, IssueShortcutsAreBound) {
  EXPECT_EQ(action_for_key('S', {true, false}), Action::Save);
  EXPECT_EQ(action_for_key('S', {true, true}), Action::SaveAs);
  EXPECT_EQ(action_for_key('Z', {true, false}), Action::Undo);
  EXPECT_EQ(action_for_key('Z', {true, true}), Action::Redo);
  EXPECT_EQ(action_for_key('Y', {true, false}), Action::Redo);
  EXPECT_EQ(action_for_key('N', {true, false}), Action::New);
  EXPECT_EQ(action_for_key('O', {true, false}), Action::Open);
  EXPECT_EQ(action_for_key('E', {true, false}), Action::Export);
  EXPECT_EQ(action_for_key('[', {}), Action::BrushShrink);
  EXPECT_EQ(action_for_key(']', {}), Action::BrushGrow);
  for (int d = 1; d <= 9; ++d) EXPECT_EQ(brush_digit(*action_for_key('0' + d, {})), d);
  EXPECT_EQ(action_for_key('S', {}), std::nullopt);  // a plain S must not save while painting
}

TEST(Shortcuts, NoKeyIsBoundTwice) {
  std::set<std::tuple<int, bool, bool>> seen;
  for (const Shortcut& s : shortcuts())
    EXPECT_TRUE(seen.insert({s.key, s.mods.ctrl, s.mods.shift}).second) << shortcut_label(s.action);
}

TEST(Shortcuts, LabelsParseBack) {
  for (const Shortcut& s : shortcuts()) EXPECT_TRUE(action_for_label(shortcut_label(s.action)).has_value());
  EXPECT_EQ(action_for_label("Ctrl+Y"), Action::Redo);  // the second chord of redo
  EXPECT_EQ(action_for_label("Ctrl+Shift+Z"), Action::Redo);
  EXPECT_EQ(action_for_label("Tab"), Action::ToggleImageSide);
  EXPECT_EQ(action_for_label("Ctrl+K"), std::nullopt);
  EXPECT_EQ(action_for_label(""), std::nullopt);
}

TEST(Shortcuts, LabelsForMenus) {
  EXPECT_EQ(shortcut_label(Action::SaveAs), "Ctrl+Shift+S");
  EXPECT_EQ(shortcut_label(Action::BrushGrow), "]");
  EXPECT_EQ(shortcut_label(Action::ToggleImageSide), "Tab");
  EXPECT_EQ(shortcut_label(Action::Undo), "Ctrl+Z");
}

}  // namespace
}  // namespace palette::app
