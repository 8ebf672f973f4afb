// Scripted sessions (`semantic-palette --script session.json`): the app driven like a user would
// drive it, one action per displayed frame, for the end-to-end test and for reproducing bugs.
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
// set_settings {sampler, steps, seed}, fill {x, y}, undo, redo, wait_frames {frames}, open {path}, key {keys:
// "Tab", "Ctrl+Z", "]", "F1"}, drop {path} (as if dropped on the window: a JSON file opens, an image becomes
// the background image), wait_seconds {seconds}, wait_autosave {timeout_s} (until the recovery file holds
// the document as it is now), kill (the app sends itself SIGKILL: a crash, for recovery tests),
// choose_file {path} (confirms the open file dialog with this path, as OK would), answer {choice} for the
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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/canvas_view.h"
#include "palette/sampler.h"

namespace palette::app {

struct ScriptAction {
  std::string op;               // the "do" value
  int brush = 0;                // 1-based layer position; 0 = the selected one
  std::vector<Vec2> points;     // stroke
  Vec2 at;                      // fill
  std::string text;             // prompt (set_prompt, set_background, add_brush)
  std::string name;             // add_brush
  std::string color;            // add_brush, "#rrggbb" ("" = the next free colour)
  std::string tool;             // set_tool
  std::string keys;             // key: a shortcut as the menus write it
  double size = 0;              // set_tool / stroke: brush diameter (0 = unchanged)
  double hardness = -1;         // set_tool: < 0 = unchanged
  bool typed = false;           // set_prompt: one keystroke's worth per frame
  bool settled = false;         // wait_picture: wait until the picture has settled on the current edit
  int frames = 0;               // wait_frames
  double timeout_s = 300;       // wait_picture / export
  std::filesystem::path path;   // save / export / screenshot / open (absolute after parsing)
  std::string kind = "layout";  // save
  std::optional<Sampler> sampler;  // set_settings (nullopt = unchanged)
  int steps = 0;                // set_settings (0 = unchanged)
  int64_t seed = -1;            // set_settings (-1 = unchanged)
  std::string choice;           // answer
  int canvas_width = 0;         // answer "create": the New dialog's size (0 = as selected)
  int canvas_height = 0;
  double seconds = 0;           // wait_seconds
};

struct Script {
  std::vector<ScriptAction> actions;
  bool prompts = false;  // the unsaved-changes prompt opens for the script as for a user
};

// Parses a script's text; relative paths are made absolute against `folder`.
Script parse_script(std::string_view json_text, const std::filesystem::path& folder);
Script load_script(const std::filesystem::path& path);  // throws palette::Error naming the file

// What the runner needs from the app. perform() does an action at once and throws palette::Error
// on failure; for "export" it starts the render. done() says whether a waiting action
// (wait_picture, export, wait_autosave) has finished, throwing when it failed.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  virtual void perform(const ScriptAction& action) = 0;
  // Stroke point `index` of `action` (0 presses, the last also releases).
  virtual void stroke_point(const ScriptAction& action, size_t index) = 0;
  virtual bool done(const ScriptAction& action) = 0;
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

 private:
  void next();
  void step_action(ScriptHost& host, const ScriptAction& a, double now);

  Script script_;
  size_t index_ = 0;
  size_t sub_ = 0;       // stroke point, typed letters or waited frames so far
  double started_ = -1;  // when a waiting action began
  bool finished_ = false;
  bool quit_ = false;
  std::string error_;
};

constexpr size_t kTypedBytesPerFrame = 3;  // typing speed of set_prompt with "typed"

}  // namespace palette::app
