// Every command the app has, and the keyboard shortcuts for them, in one table: menus show the labels
// from it and the key handler looks keys up in it, so the two cannot disagree.
//
//   if (auto action = palette::app::action_for_key('S', {.ctrl = true})) run(*action);   // Save
//
// Key codes are GLFW's (printable keys are their upper-case ASCII code: 'S', '1', '[', ' '; Tab and F1
// by their GLFW codes).
// Thread safety: pure functions over a constant table.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace palette::app {

enum class Action {
  New,
  Open,
  Save,
  SaveAs,
  SavePalette,
  Export,
  Undo,
  Redo,
  Quit,
  ToolBrush,
  ToolEraser,
  ToolFill,
  BrushGrow,
  BrushShrink,
  SelectBrush1,
  SelectBrush2,
  SelectBrush3,
  SelectBrush4,
  SelectBrush5,
  SelectBrush6,
  SelectBrush7,
  SelectBrush8,
  SelectBrush9,
  ToggleImageSide,
  FitView,
  PauseResume,
  Help,
};

struct Modifiers {
  bool ctrl = false;  // Control (Command is not distinguished: Linux first)
  bool shift = false;
};

struct Shortcut {
  int key = 0;  // GLFW key code
  Modifiers mods;
  Action action;
};

const std::vector<Shortcut>& shortcuts();  // the whole table, menus' order
// The action bound to `key` with exactly these modifiers, or nullopt.
std::optional<Action> action_for_key(int key, Modifiers mods);
std::string shortcut_label(Action action);  // "Ctrl+Shift+S"; "" when the action has no shortcut
std::string shortcut_label(const Shortcut& shortcut);  // this chord ("Ctrl+Y", where Redo has two)
const char* action_name(Action action);     // "Save as…", for menus and logs
int brush_digit(Action action);             // 1–9 for SelectBrushN, 0 otherwise
// The action of a chord written as shortcut_label writes it ("Ctrl+Shift+S", "Tab", "]"); nullopt when
// the text is no chord or nothing is bound to it.
std::optional<Action> action_for_label(const std::string& label);

}  // namespace palette::app
