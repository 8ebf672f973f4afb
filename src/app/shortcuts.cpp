#include "app/shortcuts.h"

namespace palette::app {

namespace {
constexpr int kKeyTab = 258;  // GLFW_KEY_TAB; named here so this file needs no GLFW header
constexpr int kKeyF1 = 290;   // GLFW_KEY_F1

std::string key_name(int key) {
  if (key == kKeyTab) return "Tab";
  if (key == kKeyF1) return "F1";
  return std::string(1, static_cast<char>(key));
}

std::string chord_label(const Shortcut& s) {
  std::string label = std::string(s.mods.ctrl ? "Ctrl+" : "") + (s.mods.shift ? "Shift+" : "");
  return label + key_name(s.key);
}

}  // namespace

const std::vector<Shortcut>& shortcuts() {
  static const std::vector<Shortcut> table = [] {
    std::vector<Shortcut> t = {
        {'N', {true, false}, Action::New},
        {'O', {true, false}, Action::Open},
        {'S', {true, false}, Action::Save},
        {'S', {true, true}, Action::SaveAs},
        {'P', {true, true}, Action::SavePalette},
        {'E', {true, false}, Action::Export},
        {'Z', {true, false}, Action::Undo},
        {'Z', {true, true}, Action::Redo},
        {'Y', {true, false}, Action::Redo},
        {'Q', {true, false}, Action::Quit},
        {'B', {}, Action::ToolBrush},
        {'E', {}, Action::ToolEraser},
        {'G', {}, Action::ToolFill},
        {']', {}, Action::BrushGrow},
        {'[', {}, Action::BrushShrink},
        {kKeyTab, {}, Action::ToggleImageSide},
        {'0', {true, false}, Action::FitView},
        {'P', {}, Action::PauseResume},
        {kKeyF1, {}, Action::Help},
    };
    for (int d = 1; d <= 9; ++d)
      t.push_back({'0' + d, {}, static_cast<Action>(static_cast<int>(Action::SelectBrush1) + d - 1)});
    return t;
  }();
  return table;
}

std::optional<Action> action_for_key(int key, Modifiers mods) {
  for (const Shortcut& s : shortcuts())
    if (s.key == key && s.mods.ctrl == mods.ctrl && s.mods.shift == mods.shift) return s.action;
  return std::nullopt;
}

std::string shortcut_label(const Shortcut& shortcut) {
  return chord_label(shortcut);
}

std::string shortcut_label(Action action) {
  for (const Shortcut& s : shortcuts())
    if (s.action == action) return chord_label(s);  // the first chord: the one menus show
  return "";
}

const char* action_name(Action action) {
  switch (action) {
    case Action::New:
      return "New...";
    case Action::Open:
      return "Open...";
    case Action::Save:
      return "Save";
    case Action::SaveAs:
      return "Save layout as...";
    case Action::SavePalette:
      return "Save palette as...";
    case Action::Export:
      return "Export PNG...";
    case Action::Undo:
      return "Undo";
    case Action::Redo:
      return "Redo";
    case Action::Quit:
      return "Quit";
    case Action::ToolBrush:
      return "Brush";
    case Action::ToolEraser:
      return "Eraser";
    case Action::ToolFill:
      return "Fill";
    case Action::BrushGrow:
      return "Bigger brush";
    case Action::BrushShrink:
      return "Smaller brush";
    case Action::ToggleImageSide:
      return "Picture beside / under the canvas";
    case Action::FitView:
      return "Fit canvas to window";
    case Action::PauseResume:
      return "Pause / resume generation";
    case Action::Help:
      return "Keys and prompt words";
    default:
      break;
  }
  return brush_digit(action) ? "Select brush" : "?";
}

std::optional<Action> action_for_label(const std::string& label) {
  for (const Shortcut& s : shortcuts())
    if (chord_label(s) == label) return s.action;
  return std::nullopt;
}

int brush_digit(Action action) {
  const int d = static_cast<int>(action) - static_cast<int>(Action::SelectBrush1) + 1;
  return d >= 1 && d <= 9 ? d : 0;
}

}  // namespace palette::app
