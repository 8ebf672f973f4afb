// Scripted sessions (`semantic-palette --script session.json`): the app driven like a user would
// drive it, one action per displayed frame, for the end-to-end test and for reproducing bugs. Each
// action is parsed once into its own struct (script::Stroke, …); the runner and the app visit them.
//
//   {"actions": [
//     {"do": "set_background", "prompt": "a meadow"},
//     {"do": "add_brush", "name": "sky", "color": "#4080ff", "prompt": "a blue sky"},
//     {"do": "stroke", "brush": 1, "size": 24, "points": [[10, 10], [100, 12]]},   // canvas pixels
//     {"do": "set_prompt", "brush": 1, "prompt": "a stormy sky", "typed": true},  // a few letters a frame
//     {"do": "wait_picture", "timeout_s": 120},     // a generated frame that shows the current edit
//                                                  // ("settled": true: fully); prints the stroke-to-picture figure
//     {"do": "save", "path": "out.json"},          // "kind": "layout" (default) or "palette"
//     {"do": "export", "path": "out.png"},         // waits for the full-quality render
//     {"do": "screenshot", "path": "window.png"},
//     {"do": "quit"}]}
//
// Other actions: select_brush {brush}, set_tool {tool: brush|eraser|fill, size, hardness},
// set_settings {sampler, steps, seed, live_mode: auto|multidiffusion|regional}, fill {x, y}, undo, redo, wait_frames {frames}, open {path}, key {keys:
// "Tab", "Ctrl+Z", "]", "F1"}, drop {path} (as if dropped on the window: a JSON file opens, an image becomes
// the background image), wait_seconds {seconds}, wait_autosave {timeout_s} (until the recovery file holds
// the document as it is now), kill (the app sends itself SIGKILL: a crash, for recovery tests),
// remove_brush {brush}, check_picture {max_mean, timeout_s, full_size} (see script::CheckPicture), random_edits {seconds, seed} (see script::RandomEdits), choose_file {path} (confirms the open file dialog with this path, as OK would), answer {choice} for the
// open prompt: "save" | "discard" | "cancel" (unsaved changes), "restore" | "discard" (recovery),
// "create" {canvas: "768x768", optional} | "cancel" (the New dialog); an error when no such prompt is open.
// A script is not asked about unsaved changes (its actions go ahead) unless its top level says
// "prompts": true; then the prompt opens as for a user and "answer" answers it. "brush" is 1-based from the
// bottom, as the 1–9 keys count. Relative paths are resolved against the script's folder. Failures:
// parse_script throws palette::Error naming the action
// ("actions[3].points: …"); the runner stops at the first failing action and reports it (error()). Thread
// safety: UI thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/canvas_view.h"
#include "app/live_mode.h"
#include "app/shortcuts.h"
#include "palette/document_file.h"
#include "palette/sampler.h"

namespace palette::app {

// The choices of the app's prompts: their buttons and the script's "answer".
enum class PromptAnswer { Save, Discard, Cancel, Restore, Create };

// One struct per action, named by its "do" value (kName). "brush" is a 1-based layer position, 0 = the
// selected one; paths are absolute after parsing.
namespace script {

struct SetBackground {
  static constexpr std::string_view kName = "set_background";
  std::string prompt;
};
struct AddBrush {
  static constexpr std::string_view kName = "add_brush";
  std::string name;   // "" = the app's default name
  std::string color;  // "#rrggbb" ("" = the next free colour)
  std::string prompt;
};
struct SelectBrush {
  static constexpr std::string_view kName = "select_brush";
  int brush = 0;
};
struct SetTool {
  static constexpr std::string_view kName = "set_tool";
  std::string tool;      // brush | eraser | fill, "" = unchanged (an unknown one fails when it runs)
  double size = 0;       // brush diameter, 0 = unchanged
  double hardness = -1;  // < 0 = unchanged
};
struct Stroke {
  static constexpr std::string_view kName = "stroke";
  int brush = 0;
  std::vector<Vec2> points;  // canvas pixels, at least one
  double size = 0;           // 0 = the tool's size
  std::string tool;          // "eraser" erases; otherwise the brush paints
};
struct Fill {
  static constexpr std::string_view kName = "fill";
  int brush = 0;
  Vec2 at;
};
struct SetPrompt {
  static constexpr std::string_view kName = "set_prompt";
  int brush = 0;
  std::string prompt;
  bool typed = false;  // a few letters a frame, as a user types
};
struct Undo {
  static constexpr std::string_view kName = "undo";
};
struct Redo {
  static constexpr std::string_view kName = "redo";
};
struct WaitFrames {
  static constexpr std::string_view kName = "wait_frames";
  int frames = 0;
};
struct WaitPicture {
  static constexpr std::string_view kName = "wait_picture";
  bool settled = false;  // until the picture has settled on the current edit
  double timeout_s = 300;
};
struct Save {
  static constexpr std::string_view kName = "save";
  std::filesystem::path path;
  DocumentKind kind = DocumentKind::Layout;
};
struct Export {
  static constexpr std::string_view kName = "export";
  std::filesystem::path path;
  double timeout_s = 300;
};
struct Screenshot {
  static constexpr std::string_view kName = "screenshot";
  std::filesystem::path path;
};
struct Open {
  static constexpr std::string_view kName = "open";
  std::filesystem::path path;
};
struct Drop {
  static constexpr std::string_view kName = "drop";
  std::filesystem::path path;
};
struct Key {
  static constexpr std::string_view kName = "key";
  Action action;  // the shortcut's
};
struct SetSettings {
  static constexpr std::string_view kName = "set_settings";
  std::optional<Sampler> sampler;  // nullopt = unchanged
  int steps = 0;                   // 0 = unchanged
  int64_t seed = -1;               // -1 = unchanged
  std::optional<LiveMode> live_mode;  // the app's, not the document's; nullopt = unchanged
};
struct Quit {
  static constexpr std::string_view kName = "quit";
};
struct Answer {
  static constexpr std::string_view kName = "answer";
  PromptAnswer choice = PromptAnswer::Cancel;
  int canvas_width = 0;  // Create: the New dialog's size (0 = as selected)
  int canvas_height = 0;
};
struct ChooseFile {
  static constexpr std::string_view kName = "choose_file";
  std::filesystem::path path;
};
struct WaitSeconds {
  static constexpr std::string_view kName = "wait_seconds";
  double seconds = 0;
};
struct WaitAutosave {
  static constexpr std::string_view kName = "wait_autosave";
  double timeout_s = 300;
};
struct Kill {
  static constexpr std::string_view kName = "kill";
};
// Waits for the settled picture of the current edit, renders the same layout on a fresh engine and compares:
// fails when the mean difference per channel exceeds `max_mean` (of 255), and with `full_size` also when the
// live picture is smaller than the canvas (an out-of-memory fallback that has not grown back, a CPU's cap).
// Prints both differences and the live picture's size.
struct CheckPicture {
  static constexpr std::string_view kName = "check_picture";
  double max_mean = 1.0;
  double timeout_s = 300;
  bool full_size = false;
};
struct RemoveBrush {
  static constexpr std::string_view kName = "remove_brush";
  int brush = 0;
};
// For `seconds`, an edit every few frames drawn from `seed`: strokes (any brush, anywhere on the canvas),
// prompts, undo, redo, brushes added (up to 8) and removed (down to 2), live mode switches, and pauses of a
// few frames — the long-run test of the app with an engine behind it (scripts/gpu/app-session.sh).
struct RandomEdits {
  static constexpr std::string_view kName = "random_edits";
  double seconds = 0;
  uint64_t seed = 0;
};

}  // namespace script

using ScriptAction =
    std::variant<script::SetBackground, script::AddBrush, script::SelectBrush, script::SetTool,
                 script::Stroke, script::Fill, script::SetPrompt, script::Undo, script::Redo,
                 script::WaitFrames, script::WaitPicture, script::Save, script::Export, script::Screenshot,
                 script::Open, script::Drop, script::Key, script::SetSettings, script::Quit, script::Answer,
                 script::ChooseFile, script::WaitSeconds, script::WaitAutosave, script::Kill,
                 script::RemoveBrush, script::RandomEdits, script::CheckPicture>;

std::string_view action_name(const ScriptAction& action);  // its "do" value

struct Script {
  std::vector<ScriptAction> actions;
  bool prompts = false;  // the unsaved-changes prompt opens for the script as for a user
};

// Parses a script's text; relative paths are made absolute against `folder`.
Script parse_script(std::string_view json_text, const std::filesystem::path& folder);
Script load_script(const std::filesystem::path& path);  // throws palette::Error naming the file

// What the runner needs from the app; each throws palette::Error on failure. perform() does an action
// at once (for Export it starts the render); the runner itself does the waits, the frames of a stroke
// and of typing. done() says whether a waiting action has finished, throwing when it failed.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  virtual void perform(const ScriptAction& action) = 0;
  // Stroke point `index` (0 presses, the last also releases).
  virtual void stroke_point(const script::Stroke& stroke, size_t index) = 0;
  virtual bool done(const script::WaitPicture& action) = 0;
  virtual bool done(const script::Export& action) = 0;
  virtual bool done(const script::WaitAutosave& action) = 0;
  virtual bool done(const script::CheckPicture& action) = 0;
  // What random_edits draws its edits within.
  virtual Vec2 canvas_size() const = 0;
  virtual int brush_count() const = 0;
};

class ScriptRunner {
 public:
  explicit ScriptRunner(Script script) : script_(std::move(script)) {}

  // Advances by one frame's worth (one action, one stroke point, a few typed letters or one waiting
  // check). `now` is seconds on a monotonic clock, for timeouts.
  void step(ScriptHost& host, double now);
  bool finished() const { return finished_; }
  bool quit_requested() const { return quit_; }        // the script reached "quit"
  bool prompts() const { return script_.prompts; }     // Script::prompts
  const std::string& error() const { return error_; }  // "" unless an action failed
  size_t position() const { return index_; }
  const ScriptAction& action(size_t index) const { return script_.actions.at(index); }
  // The edits the latest random_edits action drew, by kind ("stroke", "set_prompt", …, "wait_frames" for a
  // pause): what a slow stretch of a long run was made of. Empty until one runs.
  const std::map<std::string, int>& drawn_edits() const { return drawn_edits_; }

 private:
  void next();
  void step_action(ScriptHost& host, const ScriptAction& a, double now);
  template <typename Waiting>
  void wait_for(ScriptHost& host, const Waiting& a, double now);

  Script script_;
  size_t index_ = 0;
  size_t sub_ = 0;       // stroke point, typed letters or waited frames so far
  double started_ = -1;  // when a waiting action began
  bool finished_ = false;
  bool quit_ = false;
  std::string error_;
  uint64_t random_state_ = 0;  // random_edits' generator
  std::map<std::string, int> drawn_edits_;
};

constexpr size_t kTypedBytesPerFrame = 3;  // typing speed of set_prompt with "typed"

}  // namespace palette::app
