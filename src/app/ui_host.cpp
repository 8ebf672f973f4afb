// The scripted session's view of the app: each script action done through the same Editor and App
// commands that the panels and shortcuts use.
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>

#include "app/app.h"
#include "palette/error.h"

namespace palette::app {

class AppScriptHost : public ScriptHost {
 public:
  explicit AppScriptHost(App& app) : app_(app) {}

  LayerId layer(const ScriptAction& a) {
    Document& doc = app_.editor.doc();
    if (a.brush == 0) {
      if (!app_.editor.selected()) throw Error("there is no brush");
      return app_.editor.selected();
    }
    if (static_cast<size_t>(a.brush) > doc.layers().size())
      throw Error("brush " + std::to_string(a.brush) + " does not exist (" +
                  std::to_string(doc.layers().size()) + " brushes)");
    return doc.layers()[a.brush - 1].id;
  }

  void perform(const ScriptAction& a) override {
    Document& doc = app_.editor.doc();
    if (a.op == "set_background") {
      Background bg = doc.content().background;
      bg.prompt = a.text;
      doc.set_background(bg, Merge::WithPrevious);
    } else if (a.op == "add_brush") {
      const LayerId id = app_.editor.add_layer();
      LayerProperties p = doc.layer(id).properties;
      if (!a.name.empty()) p.name = a.name;
      if (!a.color.empty()) {
        const std::optional<Color> c = parse_color(a.color);
        if (!c) throw Error("'" + a.color + "' is not a colour (#rrggbb)");
        p.color = *c;
      }
      p.prompt = a.text;
      doc.set_layer_properties(id, p, Merge::WithPrevious);
    } else if (a.op == "select_brush") {
      app_.editor.select(layer(a));
    } else if (a.op == "set_tool") {
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
    } else if (a.op == "fill") {
      app_.editor.select(layer(a));
      ToolState fill = app_.tools;
      fill.set_tool(Tool::Fill);
      app_.editor.press(fill, a.at);
    } else if (a.op == "set_prompt") {
      const LayerId id = layer(a);
      LayerProperties p = doc.layer(id).properties;
      p.prompt = a.text;
      doc.set_layer_properties(id, p, Merge::WithPrevious);  // typing is one undo step
    } else if (a.op == "undo") {
      app_.editor.undo();
    } else if (a.op == "redo") {
      app_.editor.redo();
    } else if (a.op == "save") {
      if (!app_.save_file(a.path.string(),
                          a.kind == "palette" ? DocumentKind::Palette : DocumentKind::Layout))
        throw Error(app_.error);
    } else if (a.op == "open") {
      // Judged by the error, not the path: a picture's layout opens untitled.
      app_.error.clear();
      app_.open_file(a.path.string());
      if (!app_.error.empty()) throw Error(app_.error);
    } else if (a.op == "set_settings") {
      GenerationSettings s = doc.content().settings;
      if (a.sampler) s.sampler = *a.sampler;
      if (a.steps > 0) s.steps = a.steps;
      if (a.seed >= 0) s.seed = static_cast<uint64_t>(a.seed);
      doc.set_settings(s);
    } else if (a.op == "key") {
      app_.run_action(*action_for_label(a.keys));  // parse_script checked that it exists
    } else if (a.op == "drop") {
      app_.error.clear();
      app_.on_drop({a.path.string()});
      if (!app_.error.empty()) throw Error(app_.error);
    } else if (a.op == "export") {
      if (!app_.start_export(a.path.string())) throw Error(app_.error);
    } else if (a.op == "screenshot") {
      app_.screenshot_ = a.path.string();
    } else if (a.op == "answer") {
      static const std::map<std::string, App::Answer> answers = {{"save", App::Answer::Save},
                                                                {"discard", App::Answer::Discard},
                                                                {"cancel", App::Answer::Cancel},
                                                                {"restore", App::Answer::Restore},
                                                                {"create", App::Answer::Create}};
      app_.error.clear();
      app_.answer(answers.at(a.choice), a.canvas_width, a.canvas_height);  // parse_script checked the name
      if (!app_.error.empty()) throw Error(app_.error);
    } else if (a.op == "choose_file") {
      if (!app_.dialog.visible()) throw Error("no file dialog is open");
      app_.dialog.confirm(a.path.string());
    } else if (a.op == "kill") {
      std::fflush(nullptr);
      raise(SIGKILL);  // no destructors, no clean exit: what a crash leaves behind
    } else if (a.op == "quit") {
      // App::step_script closes the window once the runner reports the quit.
    }
  }

  void stroke_point(const ScriptAction& a, size_t index) override {
    if (index == 0) {
      app_.editor.select(layer(a));
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

  bool done(const ScriptAction& a) override {
    if (a.op == "export") {
      const ExportState s = app_.engine.export_state();
      if (s == ExportState::Failed) throw Error(app_.engine.export_message());
      if (s != ExportState::Done) return false;
      std::printf("semantic-palette: exported %s in %.1f s\n", app_.engine.export_message().c_str(),
                  app_.engine.export_seconds());
      std::fflush(stdout);
      return true;
    }
    if (a.op == "wait_autosave") {
      if (!app_.recovery_.enabled()) throw Error("no recovery folder (neither XDG_CONFIG_HOME nor HOME is set)");
      return app_.autosaved_now();
    }
    // wait_picture: a frame made with the document as it is now, or a model that cannot come.
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
  App& app_;
};

std::unique_ptr<ScriptHost> make_script_host(App& app) {
  return std::make_unique<AppScriptHost>(app);
}

}  // namespace palette::app
