// The generation panel: the model (loaded in the background), the sampler preset and seed that the
// document keeps, pause/resume, and how the live picture keeps up (frames per second, latency).
#include <imgui.h>
#include <imgui_stdlib.h>

#include <random>

#include "app/app.h"

namespace palette::app {

namespace {

void wrapped(ImVec4 color, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

void model_section(App& app) {
  EngineSession& engine = app.engine;
  ImGui::TextDisabled("Model");
  ImGui::InputTextWithHint("##model", "diffusers folder or .safetensors", &app.model_field);
  const bool loading = engine.model_state() == ModelState::Loading;
  if (ImGui::Button("Browse...")) app.dialog.open(FilePurpose::Model, "Choose a model (file or folder)", {});
  ImGui::SameLine();
  ImGui::BeginDisabled(loading || app.model_field.empty());
  if (ImGui::Button("Load")) engine.load_model(app.model_field, app.device);
  ImGui::EndDisabled();
  switch (engine.model_state()) {
    case ModelState::None:
      ImGui::TextWrapped(
          "No model loaded: choose one to see the picture. Painting and files work without one.");
      break;
    case ModelState::Loading: {
      // Model::load reports no progress of its own; the bar shows it is alive, the text for how long.
      const double t = engine.loading_seconds();
      ImGui::ProgressBar(static_cast<float>(t - static_cast<int>(t)), ImVec2(-1, 0), "loading");
      ImGui::Text("Loading %s (%.0f s)", engine.model_path().c_str(), t);
      break;
    }
    case ModelState::Ready:
      ImGui::TextWrapped("%s", engine.model_description().c_str());
      break;
    case ModelState::Failed:
      ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "No model");
      break;
  }
  if (!engine.error().empty()) wrapped(ImVec4(1, 0.45f, 0.45f, 1), engine.error());
  if (!engine.notice().empty()) wrapped(ImVec4(1, 0.8f, 0.3f, 1), engine.notice());
}

void settings_section(App& app) {
  Document& doc = app.editor.doc();
  GenerationSettings s = doc.content().settings;
  bool changed = false;
  ImGui::TextDisabled("Sampler");
  // The samplers the live engine can run, named as the CLI and layout files name them.
  const std::string current(sampler_name(s.sampler));
  if (ImGui::BeginCombo("sampler", current.c_str())) {
    for (Sampler option : kSamplers) {
      if (!is_region_sampler(option)) continue;
      const std::string name(sampler_name(option));
      if (ImGui::Selectable(name.c_str(), s.sampler == option)) {
        s.sampler = option;
        if (option == Sampler::lcm_stream) s.steps = kLcmStreamSteps;  // its schedule is fixed
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  ImGui::BeginDisabled(s.sampler == Sampler::lcm_stream);
  changed |= ImGui::SliderInt("steps", &s.steps, 1, 8);
  ImGui::EndDisabled();
  if (app.engine.model_is_sdxl())
    ImGui::TextDisabled("SDXL paints live with Euler on its 5-step stream schedule");
  float guidance = static_cast<float>(s.guidance);
  if (ImGui::SliderFloat("guidance", &guidance, 0, 10, "%.2f")) s.guidance = guidance, changed = true;
  changed |= ImGui::SliderInt("bootstrapping", &s.bootstrap_steps, 0, 5);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("First steps that draw each brush on white, centred in its strokes (the built-in model: 0)");

  bool locked = s.seed.has_value();
  if (ImGui::Checkbox("lock seed", &locked)) {
    if (locked)
      s.seed = std::random_device{}() % 1000000;
    else
      s.seed.reset();
    changed = true;
  }
  if (s.seed) {
    ImGui::SameLine();
    int seed = static_cast<int>(*s.seed % 2147483647);
    ImGui::SetNextItemWidth(100);
    if (ImGui::InputInt("##seed", &seed, 0))
      s.seed = static_cast<uint64_t>(std::max(0, seed)), changed = true;
  }
  ImGui::SameLine();
  if (ImGui::Button("Randomize")) {
    s.seed = std::random_device{}() % 1000000;
    changed = true;
  }
  if (changed) {
    try {
      doc.set_settings(s, Merge::WithPrevious);
    } catch (const std::exception& e) {
      app.set_error(e.what());
    }
  }
}

void live_section(App& app) {
  EngineSession& engine = app.engine;
  ImGui::TextDisabled("Live picture");
  if (ImGui::Button(engine.paused() ? "Resume (P)" : "Pause (P)")) engine.set_paused(!engine.paused());
  ImGui::SameLine();
  if (ImGui::Button(app.composite.image_under ? "Picture beside" : "Picture under"))
    app.run_action(Action::ToggleImageSide);
  // The stream's mode: an app setting (not saved in the document), for comparing speed and look.
  static constexpr const char* kModeLabels[] = {"auto (device's choice)", "MultiDiffusion (exact)",
                                                "regional attention (faster)"};
  int mode = static_cast<int>(engine.live_mode());
  ImGui::SetNextItemWidth(-FLT_MIN);
  if (ImGui::Combo("##live mode", &mode, kModeLabels, IM_ARRAYSIZE(kModeLabels)))
    engine.set_live_mode(static_cast<LiveMode>(mode));
  ImGui::Text("%.1f frames/s (window %.0f/s)", app.stats.fps(app.now()), ImGui::GetIO().Framerate);
  if (const auto live = engine.reduced_live_size()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
    ImGui::TextWrapped("painted live at %d x %d, shown enlarged; the export renders the whole canvas", live->first,
                       live->second);
    if (app.frame_refined && app.frame_version == app.editor.doc().version())
      ImGui::TextWrapped("refined while you paused: the layout's own sampling at that size");
    ImGui::PopStyleColor();
  }
  // Wrapped: the panel is narrower than the line with two figures in it.
  if (!app.stats.latency_ms()) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
  ImGui::TextWrapped("%s", stroke_to_picture_text(app.stats).c_str());
  if (!app.stats.latency_ms()) ImGui::PopStyleColor();
  if (!engine.streaming())
    ImGui::TextDisabled(engine.model_state() == ModelState::Ready ? "(stopped: see the error above)"
                                                                  : "(no stream: load a model)");
}

void export_section(App& app) {
  EngineSession& engine = app.engine;
  const ExportState state = engine.export_state();
  if (state == ExportState::Idle) return;
  ImGui::Separator();
  ImGui::TextDisabled("Export");
  if (state == ExportState::Running) {
    ImGui::ProgressBar(engine.export_progress(), ImVec2(-1, 0));
    if (ImGui::Button("Cancel export")) engine.cancel_export();
  } else if (state == ExportState::Done) {
    ImGui::TextWrapped("Exported. %s", engine.export_message().c_str());
  } else {
    wrapped(ImVec4(1, 0.45f, 0.45f, 1), engine.export_message());
  }
}

}  // namespace

void draw_generation_panel(App& app) {
  ImGuiViewport* vp = ImGui::GetMainViewport();
  const float width = 300;
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x - width, vp->WorkPos.y));
  ImGui::SetNextWindowSize(ImVec2(width, vp->WorkSize.y - ImGui::GetFrameHeight() - 6));
  ImGui::Begin("Generation", nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  ImGui::PushItemWidth(-90);
  model_section(app);
  ImGui::Separator();
  settings_section(app);
  ImGui::Separator();
  live_section(app);
  export_section(app);
  ImGui::PopItemWidth();
  ImGui::End();
}

}  // namespace palette::app
