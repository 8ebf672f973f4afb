// The scripted session's view of the app: each script action done through the same Editor and App
// commands that the panels and shortcuts use.
#include <csignal>
#include <cstdio>
#include <memory>
#include <variant>

#include "app/app.h"
#include "palette/error.h"

namespace palette::app {

class AppScriptHost : public ScriptHost {
 public:
  explicit AppScriptHost(App& app) : app_(app) {}

  void perform(const ScriptAction& action) override {
    std::visit([this](const auto& a) { run(a); }, action);
  }

  void stroke_point(const script::Stroke& a, size_t index) override {
    if (index == 0) {
      app_.editor.select(layer(a.brush));
      ToolState tools = app_.tools;
      if (a.size > 0) tools.set_size(a.size);
      if (a.tool == "eraser")
        tools.set_tool(Tool::Eraser);
      else if (a.tool == "brush" || tools.tool() == Tool::Fill)
        tools.set_tool(Tool::Brush);
      app_.editor.press(tools, a.points[0]);
    } else {
      app_.editor.drag(a.points[index]);
    }
    if (index + 1 == a.points.size()) app_.editor.release();
  }

  bool done(const script::Export&) override {
    const ExportState s = app_.engine.export_state();
    if (s == ExportState::Failed) throw Error(app_.engine.export_message());
    if (s != ExportState::Done) return false;
    std::printf("semantic-palette: exported %s in %.1f s\n", app_.engine.export_message().c_str(),
                app_.engine.export_seconds());
    std::fflush(stdout);
    return true;
  }

  // First the settled picture of the current edit, then the fresh render's verdict.
  bool done(const script::CheckPicture& a) override {
    if (!app_.engine.checking()) {
      // The settled picture of the newest edit from the stream running now: after a mode switch the old stream's
      // last picture is of the old mode until the new stream has made its own.
      if (!app_.last_frame_ || !app_.last_frame_->settled || app_.last_frame_->version < app_.editor.doc().version() ||
          !app_.engine.streaming() || app_.last_frame_->stream != app_.engine.stream_serial())
        return false;
      app_.engine.start_check(*app_.last_frame_);
      return false;
    }
    const std::optional<PictureCheck> check = app_.engine.check_result();
    if (!check) return false;
    if (!check->error.empty()) throw Error("check_picture: " + check->error);
    std::printf("semantic-palette: picture check: mean difference %.3f, max %d (of 255) against a fresh render; "
                "live picture %dx%d of a %dx%d canvas\n",
                check->mean_difference, check->max_difference, check->live_width, check->live_height,
                check->canvas_width, check->canvas_height);
    std::fflush(stdout);
    if (check->mean_difference > a.max_mean)
      throw Error("check_picture: the live picture differs from a fresh render of the same layout by " +
                  std::to_string(check->mean_difference) + " per channel on average (at most " +
                  std::to_string(a.max_mean) + " allowed)");
    // The checked picture's own size: the live size may change while the fresh render runs.
    if (a.full_size && (check->live_width != check->canvas_width || check->live_height != check->canvas_height))
      throw Error("check_picture: the live picture runs at " + std::to_string(check->live_width) + "x" +
                  std::to_string(check->live_height) + ", smaller than the " + std::to_string(check->canvas_width) +
                  "x" + std::to_string(check->canvas_height) + " canvas (full_size asked for)");
    return true;
  }

  Vec2 canvas_size() const override {
    const DocumentContent& c = app_.editor.doc().content();
    return {static_cast<double>(c.width), static_cast<double>(c.height)};
  }
  int brush_count() const override { return static_cast<int>(app_.editor.doc().layers().size()); }

  bool done(const script::WaitAutosave&) override {
    if (!app_.recovery_.enabled())
      throw Error("no recovery folder (neither XDG_CONFIG_HOME nor HOME is set)");
    return app_.autosaved_now();
  }

  // A frame made with the document as it is now, or a model that cannot come.
  bool done(const script::WaitPicture& a) override {
    if (app_.engine.model_state() == ModelState::Failed || app_.engine.model_state() == ModelState::None)
      throw Error("no model to make a picture with" +
                  (app_.engine.error().empty() ? std::string() : ": " + app_.engine.error()));
    const bool shown = app_.has_frame && app_.frame_version >= app_.editor.doc().version() &&
                       (!a.settled || app_.frame_settled);
    // The figure the Generation panel shows, for whoever runs the script (the end-to-end test prints it).
    if (shown) {
      std::printf("semantic-palette: %s\n", stroke_to_picture_text(app_.stats).c_str());
      std::fflush(stdout);
    }
    return shown;
  }

 private:
  LayerId layer(int brush) {
    Document& doc = app_.editor.doc();
    if (brush == 0) {
      if (!app_.editor.selected()) throw Error("there is no brush");
      return app_.editor.selected();
    }
    if (static_cast<size_t>(brush) > doc.layers().size())
      throw Error("brush " + std::to_string(brush) + " does not exist (" +
                  std::to_string(doc.layers().size()) + " brushes)");
    return doc.layers()[brush - 1].id;
  }

  Document& doc() { return app_.editor.doc(); }

  void run(const script::SetBackground& a) {
    Background bg = doc().content().background;
    bg.prompt = a.prompt;
    doc().set_background(bg, Merge::WithPrevious);
  }

  void run(const script::AddBrush& a) {
    const LayerId id = app_.editor.add_layer();
    LayerProperties p = doc().layer(id).properties;
    if (!a.name.empty()) p.name = a.name;
    if (!a.color.empty()) {
      const std::optional<Color> c = parse_color(a.color);
      if (!c) throw Error("'" + a.color + "' is not a colour (#rrggbb)");
      p.color = *c;
    }
    p.prompt = a.prompt;
    doc().set_layer_properties(id, p, Merge::WithPrevious);
  }

  void run(const script::SelectBrush& a) { app_.editor.select(layer(a.brush)); }

  void run(const script::SetTool& a) {
    if (a.tool == "brush")
      app_.tools.set_tool(Tool::Brush);
    else if (a.tool == "eraser")
      app_.tools.set_tool(Tool::Eraser);
    else if (a.tool == "fill")
      app_.tools.set_tool(Tool::Fill);
    else if (!a.tool.empty())
      throw Error("unknown tool '" + a.tool + "' (brush, eraser, fill)");
    if (a.size > 0) app_.tools.set_size(a.size);
    if (a.hardness >= 0) app_.tools.set_hardness(a.hardness);
  }

  void run(const script::Fill& a) {
    app_.editor.select(layer(a.brush));
    ToolState fill = app_.tools;
    fill.set_tool(Tool::Fill);
    app_.editor.press(fill, a.at);
  }

  void run(const script::SetPrompt& a) {
    const LayerId id = layer(a.brush);
    LayerProperties p = doc().layer(id).properties;
    p.prompt = a.prompt;
    doc().set_layer_properties(id, p, Merge::WithPrevious);  // typing is one undo step
  }

  void run(const script::Undo&) { app_.editor.undo(); }
  void run(const script::Redo&) { app_.editor.redo(); }

  void run(const script::Save& a) {
    if (!app_.save_file(a.path.string(), a.kind)) throw Error(app_.error);
  }

  void run(const script::Open& a) {
    // Judged by the error, not the path: a picture's layout opens untitled.
    app_.error.clear();
    app_.open_file(a.path.string());
    if (!app_.error.empty()) throw Error(app_.error);
  }

  void run(const script::SetSettings& a) {
    GenerationSettings s = doc().content().settings;
    if (a.sampler) s.sampler = *a.sampler;
    if (a.steps > 0) s.steps = a.steps;
    if (a.seed >= 0) s.seed = static_cast<uint64_t>(a.seed);
    if (!(s == doc().content().settings)) doc().set_settings(s);
    if (a.live_mode) app_.engine.set_live_mode(*a.live_mode);
  }

  void run(const script::Key& a) { app_.run_action(a.action); }

  void run(const script::Drop& a) {
    app_.error.clear();
    app_.on_drop({a.path.string()});
    if (!app_.error.empty()) throw Error(app_.error);
  }

  void run(const script::Export& a) {
    if (!app_.start_export(a.path.string())) throw Error(app_.error);
  }

  void run(const script::Screenshot& a) { app_.screenshot_ = a.path.string(); }

  void run(const script::Answer& a) {
    app_.error.clear();
    app_.answer(a.choice, a.canvas_width, a.canvas_height);
    if (!app_.error.empty()) throw Error(app_.error);
  }

  void run(const script::ChooseFile& a) {
    if (!app_.dialog.visible()) throw Error("no file dialog is open");
    app_.dialog.confirm(a.path.string());
  }

  void run(const script::Kill&) {
    std::fflush(nullptr);
    raise(SIGKILL);  // no destructors, no clean exit: what a crash leaves behind
  }

  // App::step_script closes the window once the runner reports the quit.
  void run(const script::Quit&) {}
  // The runner does these itself, frame by frame (stroke_point, done).
  void run(const script::Stroke&) {}
  void run(const script::WaitFrames&) {}
  void run(const script::WaitPicture&) {}
  void run(const script::WaitSeconds&) {}
  void run(const script::WaitAutosave&) {}
  void run(const script::RandomEdits&) {}
  void run(const script::CheckPicture&) {}  // the runner turns it into the other actions
  void run(const script::RemoveBrush& a) {
    app_.editor.select(layer(a.brush));
    app_.editor.remove_selected();
  }

  App& app_;
};

std::unique_ptr<ScriptHost> make_script_host(App& app) {
  return std::make_unique<AppScriptHost>(app);
}

}  // namespace palette::app
