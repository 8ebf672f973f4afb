// The per-frame flow of the app: engine polling, publishing document changes, texture updates, the
// scripted session, and the panels.
#include "app/app.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include <imgui.h>

#define GLFW_INCLUDE_NONE  // the key codes only; GL comes through glad where needed
#include <GLFW/glfw3.h>

namespace palette::app {

std::unique_ptr<ScriptHost> make_script_host(App& app);  // ui_host.cpp

namespace {

// Splits a frame's work into phases: each mark adds the time since the previous one (or the start) to its phase.
class PhaseTimer {
 public:
  explicit PhaseTimer(UiPhaseMs& into) : into_(into), last_(Clock::now()) { into_.fill(0.0); }
  void mark(UiPhase phase) {
    const auto now = Clock::now();
    into_[static_cast<size_t>(phase)] += std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
  }

 private:
  using Clock = std::chrono::steady_clock;
  UiPhaseMs& into_;
  Clock::time_point last_;
};

}  // namespace

App::App(const AppArgs& args)
    : editor(args.width, args.height),
      recent(RecentFiles::default_store()),
      recovery_(RecoveryStore::default_folder()),
      autosave_(args.autosave_seconds) {
  offscreen_ = args.offscreen;
  recent.load();
  device = args.device;
  screenshot_at_quit_ = args.screenshot;
  no_model_ = args.no_model;
  engine.set_cuda_graphs(args.cuda_graphs);
  starting_ = true;
  size_follows_model_ = args.file.empty() && !args.size_given;
  if (!args.file.empty()) open_file(args.file);
  starting_ = false;
  load_model_or_builtin(!args.model.empty() ? args.model : file_model_);
  offer_recovery();
  if (!args.script.empty()) {
    try {
      script_.emplace(load_script(args.script));
    } catch (const std::exception& e) {
      set_error(e.what());
      exit_code_ = 2;
      quit_ = true;
    }
  }
  if (!args.metrics.empty()) {
    try {
      metrics_ = std::make_unique<SessionMetrics>(args.metrics, now(), cuda_graph_figures);
    } catch (const std::exception& e) {
      set_error(e.what());
      exit_code_ = 2;
      quit_ = true;
    }
  }
}

App::~App() {
  if (metrics_) metrics_->finish(now());
}

void App::ui_frame_done(double work_ms) {
  if (metrics_) metrics_->ui_frame(work_ms, frame_phases_);
}

bool App::init_gl(std::string* message) {
  return gl.init(message);
}

double App::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void App::set_error(const std::string& message) {
  error = message;
  fprintf(stderr, "semantic-palette: %s\n", message.c_str());
}

void App::set_status(const std::string& message) {
  status = message;
}

void App::screenshot_taken(const std::string& failure) {
  if (!failure.empty()) set_error("screenshot: " + failure);
  screenshot_.clear();
  if (quit_after_screenshot_) quit_ = true;
}

void App::request_close() {
  unless_unsaved([this] { close_now(); });
}

void App::close_now() {
  // A clean exit: whatever was unsaved has been saved or knowingly discarded by now.
  finish_autosave();
  if (metrics_) metrics_->finish(now());
  // An offer nobody answered stays for the next start: a clean-exit stamp would make it look older.
  if (recovery_offer_)
    recovery_.remove_own();
  else
    recovery_.mark_clean_exit();
  if (!screenshot_at_quit_.empty()) {
    screenshot_ = screenshot_at_quit_;
    screenshot_at_quit_.clear();
    quit_after_screenshot_ = true;
  } else {
    quit_ = true;
  }
}

void App::publish_if_changed() {
  const Document& doc = editor.doc();
  if (doc.version() == published_version_ && doc.document_id() == published_document_) return;
  if (doc.document_id() != published_document_) {
    // Another document: frames of the old one say nothing about this one's versions.
    frame_version = 0;
    frame_settled = false;
    stats.reset();
  }
  published_version_ = doc.version();
  published_document_ = doc.document_id();
  // Cheap when nothing else changed: the snapshot shares mask tiles with the document.
  engine.publish(doc.snapshot());
  stats.published(doc.version(), now());
}

void App::take_frames() {
  std::optional<LiveFrame> frame = engine.take_frame();
  if (!frame) return;
  gl.set_frame(frame->image);
  has_frame = true;
  frame_refined = frame->refined;
  if (frame->refined) {
    // The same edit, settled already: its figures and the picture checks keep the stream's frame.
    if (script_)
      std::fprintf(stderr, "semantic-palette: refined the live picture (%dx%d) in %.1f s\n", frame->image.width,
                   frame->image.height, frame->engine_ms / 1000.0);
    return;
  }
  frame_version = frame->version;
  frame_settled = frame->settled;
  frame_steps_done = frame->steps_done;
  frame_steps_total = frame->steps_total;
  stats.frame(frame->version, now(), frame->settled);
  ++pictures_taken_;
  if (script_) last_frame_ = std::move(frame);  // only scripts check pictures: no copy kept otherwise
}

void App::handle_shortcuts() {
  ImGuiIO& io = ImGui::GetIO();
  // Typing a prompt must not switch tools; a dialog waits for its own answer.
  if (io.WantTextInput || dialog.visible() || unsaved_open_ || new_open_ || recovery_offer_) return;
  for (const Shortcut& s : shortcuts()) {
    if (s.key < 0 || s.key >= IM_ARRAYSIZE(io.KeysDown)) continue;
    if (!ImGui::IsKeyPressed(s.key, s.action == Action::BrushGrow || s.action == Action::BrushShrink))
      continue;
    if (io.KeyCtrl != s.mods.ctrl || io.KeyShift != s.mods.shift) continue;
    run_action(s.action);
  }
  // Not WantCaptureKeyboard: that turns true as soon as the canvas button is held, which would end
  // a pan mid-drag.
  panning = ImGui::IsKeyDown(GLFW_KEY_SPACE) && !io.WantTextInput;
}

void App::step_script() {
  if (!script_ || script_->finished()) return;
  std::unique_ptr<ScriptHost> host = make_script_host(*this);
  const size_t action = script_->position();
  script_->step(*host, now());
  if (metrics_ && (script_->position() != action || script_->finished()) && script_->error().empty()) {
    const ScriptAction& done = script_->action(action);
    metrics_->action_done(action, action_name(done), now(),
                          std::holds_alternative<script::RandomEdits>(done) ? script_->drawn_edits()
                                                                              : std::map<std::string, int>{});
  }
  if (!script_->finished()) return;
  if (!script_->error().empty()) {
    set_error(script_->error());
    exit_code_ = 1;
    close_now();
  } else if (script_->quit_requested()) {
    close_now();
  } else if (offscreen_) {
    // On screen the user closes the window; offscreen nobody can, so the end of the script ends the session.
    std::printf("semantic-palette: the script ended without \"quit\"; closing (--offscreen has no window)\n");
    std::fflush(stdout);
    close_now();
  }
}

void App::unless_unsaved(std::function<void()> then) {
  if (!editor.dirty() || (script_ && !script_->prompts())) {
    then();
    return;
  }
  pending_ = std::move(then);
  ask_discard_ = unsaved_open_ = true;
}

void App::draw_status_line() {
  ImGuiViewport* vp = ImGui::GetMainViewport();
  const float h = ImGui::GetFrameHeight() + 6;
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x, vp->WorkPos.y + vp->WorkSize.y - h));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x, h));
  ImGui::Begin("##status", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
  if (!error.empty()) {
    ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", error.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("Dismiss")) error.clear();
  } else {
    ImGui::Text("%s  |  %s %.0f px  |  zoom %.0f%%  |  %s", editor.title().c_str(), tool_name(tools.tool()),
                tools.size(), view.zoom() * 100, status.c_str());
  }
  ImGui::End();
}

void App::watch_export() {
  const ExportState s = engine.export_state();
  if (s == last_export_) return;
  last_export_ = s;
  if (s == ExportState::Done) {
    char took[32];
    std::snprintf(took, sizeof took, " in %.1f s", engine.export_seconds());
    set_status("exported " + engine.export_message() + took);
  }
  if (s == ExportState::Failed) set_error(engine.export_message());
}

void App::frame() {
  PhaseTimer timer(frame_phases_);
  engine.poll();
  timer.mark(UiPhase::EnginePoll);
  follow_model_size();
  if (engine.error() != logged_engine_error_) {
    logged_engine_error_ = engine.error();
    if (!logged_engine_error_.empty())
      fprintf(stderr, "semantic-palette: %s\n", logged_engine_error_.c_str());
  }
  // Fallbacks (the CPU after running out of GPU memory while loading, a smaller live picture) are said in
  // the window; a run without one (--offscreen, a terminal) hears of them here.
  if (engine.notice() != logged_engine_notice_) {
    logged_engine_notice_ = engine.notice();
    if (!logged_engine_notice_.empty()) fprintf(stderr, "semantic-palette: %s\n", logged_engine_notice_.c_str());
  }
  watch_export();
  autosave();
  publish_if_changed();
  timer.mark(UiPhase::Upkeep);
  take_frames();
  if (metrics_) metrics_->observe(stats, pictures_taken_);
  timer.mark(UiPhase::TakeFrames);
  step_script();
  handle_shortcuts();
  timer.mark(UiPhase::Script);
  gl.sync_masks(editor.doc());
  gl.sync_background(editor.doc());
  gl.render(editor.doc(), composite);
  timer.mark(UiPhase::GlCanvas);

  draw_menu();
  draw_canvas_panel(*this);
  draw_palette_panel(*this);
  draw_generation_panel(*this);
  draw_status_line();
  draw_help_window(*this);
  draw_recovery_prompt();
  draw_unsaved_prompt();
  draw_new_dialog();
  if (std::optional<std::string> chosen = dialog.draw(recent.entries()))
    on_file_chosen(dialog.purpose(), *chosen);
  if (!dialog.visible()) after_save_ = nullptr;  // the dialog of save_then was cancelled
  timer.mark(UiPhase::Panels);
}

void App::on_file_chosen(FilePurpose purpose, const std::string& path) {
  switch (purpose) {
    case FilePurpose::Open:
      open_file(path);
      break;
    case FilePurpose::SaveLayout: {
      std::function<void()> then = std::move(after_save_);
      after_save_ = nullptr;
      if (save_file(path, DocumentKind::Layout) && then) then();
      break;
    }
    case FilePurpose::SavePalette:
      save_copy(path, DocumentKind::Palette);
      break;
    case FilePurpose::Export:
      start_export(path);
      break;
    case FilePurpose::Model:
      model_field = path;
      engine.load_model(path, device);
      break;
    case FilePurpose::BackgroundImage:
      on_drop({path});
      break;
  }
}

}  // namespace palette::app
