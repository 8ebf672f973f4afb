// The application object: the editor, the engine session, the GL canvas and the UI state that is not
// part of the document (view, tool, dialogs, messages). main.cpp owns one and calls frame() once per
// displayed frame; panels are functions of it (canvas_panel.cpp, palette_panel.cpp, …).
//
// Thread safety: UI thread only (the engine's threads live inside EngineSession).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/app_args.h"
#include "app/canvas_gesture.h"
#include "app/canvas_view.h"
#include "app/editor.h"
#include "app/engine_session.h"
#include "app/file_dialog.h"
#include "app/frame_stats.h"
#include "app/gl_canvas.h"
#include "app/recent_files.h"
#include "app/recovery.h"
#include "app/session_metrics.h"
#include "app/session_script.h"
#include "app/shortcuts.h"
#include "app/tool_state.h"

namespace palette::app {

class App {
 public:
  explicit App(const AppArgs& args);  // opens args.file (errors become a message, not a failure)
  ~App();                             // ends the --metrics file with its summary line
  bool init_gl(std::string* error);   // after the GL context exists

  // One displayed frame: engine polling, texture updates, the script step and every panel.
  void frame();
  bool quit_requested() const { return quit_; }
  int exit_code() const { return exit_code_; }
  const std::string& screenshot_request() const { return screenshot_; }  // "" when none pending
  void screenshot_taken(const std::string& error);                       // main.cpp took it (error "" = fine)
  void on_drop(const std::vector<std::string>& paths);                   // files dropped on the window
  void ui_frame_done(double work_ms);  // main.cpp: the UI thread's work on the frame just shown (--metrics)
  void request_close();                                                  // the window's close button

  // Commands (menus, shortcuts, script). They report failures in the status line, never throw.
  void run_action(Action action);
  void open_file(const std::string& path);
  bool save_file(const std::string& path, DocumentKind kind);
  bool start_export(const std::string& path);
  void set_error(const std::string& message);
  // Runs `edit`, turning a palette::Error (a 257th layer, an over-long prompt) into the status line.
  template <typename F>
  void attempt(F&& edit) {
    try {
      edit();
    } catch (const std::exception& e) {
      set_error(e.what());
    }
  }
  // Runs `then` now, or once the user has saved or discarded unsaved changes (a script is asked only
  // when it says "prompts": true).
  void unless_unsaved(std::function<void()> then);
  // Saves the open document where it belongs (asking for a path in the file dialog when it has none, or
  // when it is a palette file that would lose painted masks), then runs `then` (may be empty). A failed
  // or cancelled save drops `then`: quitting after it would lose the changes.
  void save_then(std::function<void()> then);
  bool save_copy(const std::string& path, DocumentKind kind);  // "Save palette as": the open file stays
  void set_status(const std::string& message);

  // State the panels read and write.
  Editor editor;
  ToolState tools;
  CanvasView view;
  CanvasGesture gesture;
  bool view_fitted = false;       // fit on the first frame and after opening a file
  float fitted_size[2] = {0, 0};  // the painting area the view was last fitted to
  CompositeOptions composite;
  EngineSession engine;
  GlCanvas gl;
  FrameStats stats;
  RecentFiles recent;
  FileDialog dialog;
  std::string model_field;  // the generation panel's model path being edited
  std::string device;
  std::string status, error;  // the status line; error is shown in red until dismissed
  bool has_frame = false;
  uint64_t frame_version = 0;
  bool frame_settled = false;
  bool frame_refined = false;  // the picture shown is the refined one (EngineSession::poll), not a stream frame
  int frame_steps_done = 0, frame_steps_total = 0;
  bool panning = false;
  bool show_help = false;  // the Help window (F1)
  double now() const;

 private:
  void publish_if_changed();
  void take_frames();
  void handle_shortcuts();
  void draw_menu();
  void draw_status_line();
  void step_script();
  void after_load(const std::string& path);
  // Loads `named` (a model a flag or file named), else the built-in model; nothing with --no-model.
  void load_model_or_builtin(const std::string& named);
  void close_now();
  bool offscreen_ = false;  // --offscreen: no window the user could close
  // The settings.model to write into `target`: the model in use, as the file will load it back
  // (model_reference.h); nullopt = keep the document's.
  std::optional<std::string> model_reference(const std::filesystem::path& target) const;
  void on_file_chosen(FilePurpose purpose, const std::string& path);

  // Prompts (app_prompts.cpp). Each is a modal popup; answer() is what its buttons and the script's
  // "answer" action do, and throws palette::Error when no prompt that takes `choice` is open.
  using Answer = PromptAnswer;  // session_script.h: the script's "answer" takes the same choices
  void answer(Answer choice, int canvas_width = 0, int canvas_height = 0);
  void draw_unsaved_prompt();
  void draw_recovery_prompt();
  void open_new_dialog();
  void draw_new_dialog();
  void create_document(int width, int height);
  void follow_model_size();

  // Autosave and recovery (app_recovery.cpp).
  void offer_recovery();       // at start
  void restore_recovery();     // the offer's Restore
  void autosave();             // every frame
  bool autosaved_now() const;  // the recovery file holds the document as it is (scripts wait for it)
  void finish_autosave();      // waits for a write in progress

  void watch_export();

  ExportState last_export_ = ExportState::Idle;
  std::string logged_engine_error_, logged_engine_notice_;  // what the terminal was told last
  uint64_t published_version_ = 0;
  uint64_t published_document_ = 0;
  std::optional<ScriptRunner> script_;
  std::unique_ptr<SessionMetrics> metrics_;  // --metrics
  UiPhaseMs frame_phases_{};                 // the current frame's work by phase inside frame() (for --metrics)
  uint64_t pictures_taken_ = 0;              // generated pictures taken from the engine
  std::optional<LiveFrame> last_frame_;      // the newest picture, for check_picture
  std::function<void()> pending_;  // waits for the answer to "unsaved changes"
  bool ask_discard_ = false, unsaved_open_ = false;
  std::function<void()> after_save_;  // waits for the file dialog of save_then
  // The New dialog: the preset chosen (canvas_presets(); its size = custom) and the custom size.
  bool ask_new_ = false, new_open_ = false;
  size_t new_preset_ = 0;
  int new_size_[2] = {512, 512};
  RecoveryStore recovery_;
  AutosaveTimer autosave_;
  std::future<void> autosave_job_;  // a write in progress
  uint64_t job_document_ = 0, job_version_ = 0;
  bool own_recovery_written_ = false;
  std::optional<RecoveryFile> recovery_offer_;
  bool ask_recovery_ = false;
  std::string screenshot_, screenshot_at_quit_;
  bool no_model_ = false;  // --no-model: never load one on its own
  bool starting_ = false;  // the constructor decides on the model once the file is open
  bool size_follows_model_ = false;  // the startup document awaits the model's own size (follow_model_size)
  std::string file_model_;  // the open file's settings.model, resolved beside the file
  bool quit_ = false, quit_after_screenshot_ = false;
  int exit_code_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  friend class AppScriptHost;
};

// Panels (one file each).
void draw_canvas_panel(App& app);
void draw_palette_panel(App& app);
void draw_generation_panel(App& app);
void draw_help_window(App& app);

}  // namespace palette::app
