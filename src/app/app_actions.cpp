// Commands: the File and Edit menus, their shortcuts, and dropped files. Failures end up in the
// status line; nothing here throws.
#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "app/app.h"
#include "app/model_reference.h"
#include "palette/background_image.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/image.h"

namespace palette::app {

namespace {

std::filesystem::path folder_of(const std::filesystem::path& file) {
  return file.empty() ? std::filesystem::path() : file.parent_path();
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

}  // namespace

void App::after_load(const std::string& path) {
  recent.add(path);
  recent.save();
  view_fitted = false;
  composite.hidden.clear();
  stats.reset();
  file_model_ = model_beside(path, editor.doc().content().settings.model);
  if (!starting_ && engine.model_state() == ModelState::None) load_model_or_builtin(file_model_);
}

void App::load_model_or_builtin(const std::string& named) {
  if (no_model_) return;
  const std::string model = named.empty() ? builtin_model_path() : named;
  model_field = model;
  engine.load_model(model, device);
}

void App::open_file(const std::string& path) {
  try {
    editor.open(path);
    set_status("opened " + path);
    after_load(path);
  } catch (const std::exception& e) {
    // The open document stays as it was; a file that is gone leaves the recent list.
    set_error(e.what());
    if (!std::filesystem::exists(path)) {
      recent.remove(path);
      recent.save();
    }
  }
}

std::optional<std::string> App::model_reference(const std::filesystem::path& target) const {
  // The model frames are made with; while none is (loading, failed, --no-model), the one being loaded,
  // else the one the open file named.
  std::string model = engine.model_in_use();
  if (model.empty() && engine.model_state() == ModelState::Loading) model = engine.model_path();
  if (model.empty()) model = file_model_;
  if (model.empty()) return std::nullopt;
  return model_reference_for(target, model, builtin_model_path());
}

bool App::save_file(const std::string& path, DocumentKind kind) {
  try {
    editor.save(path, kind, model_reference(path.empty() ? editor.path() : std::filesystem::path(path)));
    recent.add(editor.path());
    recent.save();
    set_status("saved " + editor.path().string());
    return true;
  } catch (const std::exception& e) {
    set_error(e.what());
    return false;
  }
}

bool App::save_copy(const std::string& path, DocumentKind kind) {
  try {
    editor.save_copy(path, kind, model_reference(path));
    recent.add(path);
    recent.save();
    set_status("saved a copy as " + path + " (still editing " +
               (editor.path().empty() ? std::string("the untitled document") : editor.path().string()) + ")");
    return true;
  } catch (const std::exception& e) {
    set_error(e.what());
    return false;
  }
}

void App::save_then(std::function<void()> then) {
  // A palette file has no place for masks or a background image: such a document goes to a new layout.
  const bool needs_path = editor.path().empty() || (editor.kind() == DocumentKind::Palette && editor.has_layout_content());
  if (needs_path) {
    std::string stem = editor.path().empty() ? "untitled" : editor.path().stem().string();
    // "still-life.palette.json" suggests "still-life.json", never the palette file itself.
    if (const size_t dot = stem.rfind(".palette"); dot != std::string::npos && dot + 8 == stem.size())
      stem.resize(dot);
    const std::string title = editor.path().empty() ? "Save layout" : "Save layout (a palette file keeps no masks)";
    after_save_ = std::move(then);
    dialog.open(FilePurpose::SaveLayout, title, folder_of(editor.path()), stem + ".json");
    return;
  }
  if (save_file("", editor.kind()) && then) then();
}

bool App::start_export(const std::string& path) {
  try {
    engine.start_export(editor.doc().snapshot(), path);
    set_status("exporting " + path + " ...");
    return true;
  } catch (const std::exception& e) {
    set_error(e.what());
    return false;
  }
}

void App::on_drop(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    const std::string ext = lower_extension(path);
    // A picture this program rendered from a layout reopens as that layout (palette::export_png).
    if (ext == ".json" || (ext == ".png" && png_carries_layout(path))) {
      unless_unsaved([this, path] { open_file(path); });
      continue;
    }
    // Anything else is tried as the background image; a refused one leaves the document as it was.
    try {
      Background bg = editor.doc().content().background;
      bg.image = std::make_shared<const Image>(read_background_image(path));
      editor.doc().set_background(bg);
      const std::string note = background_size_note(*bg.image, editor.doc().width(), editor.doc().height());
      set_status("background image: " + path + (note.empty() ? "" : " (" + note + ")"));
    } catch (const std::exception& e) {
      set_error(e.what());
    }
  }
}

void App::run_action(Action action) {
  if (const int digit = brush_digit(action)) {
    if (auto index = layer_for_digit(digit, editor.doc().layers().size())) editor.select_index(*index);
    return;
  }
  const std::filesystem::path here = folder_of(editor.path());
  const std::string stem = editor.path().empty() ? "untitled" : editor.path().stem().string();
  switch (action) {
    case Action::New:
      unless_unsaved([this] { open_new_dialog(); });
      break;
    case Action::Open:
      unless_unsaved([this, here] { dialog.open(FilePurpose::Open, "Open palette or layout", here); });
      break;
    case Action::Save:
      save_then(nullptr);
      break;
    case Action::SaveAs:
      dialog.open(FilePurpose::SaveLayout, "Save layout as", here, stem + ".json");
      break;
    case Action::SavePalette:
      dialog.open(FilePurpose::SavePalette, "Save palette as", here, stem + ".palette.json");
      break;
    case Action::Export:
      dialog.open(FilePurpose::Export, "Export PNG", here, stem + ".png");
      break;
    case Action::Undo:
      if (!editor.undo()) set_status("nothing to undo");
      break;
    case Action::Redo:
      if (!editor.redo()) set_status("nothing to redo");
      break;
    case Action::Quit:
      request_close();
      break;
    case Action::ToolBrush:
      tools.set_tool(Tool::Brush);
      break;
    case Action::ToolEraser:
      tools.set_tool(Tool::Eraser);
      break;
    case Action::ToolFill:
      tools.set_tool(Tool::Fill);
      break;
    case Action::BrushGrow:
      tools.grow();
      break;
    case Action::BrushShrink:
      tools.shrink();
      break;
    case Action::ToggleImageSide:
      composite.image_under = !composite.image_under;
      break;
    case Action::FitView:
      view_fitted = false;
      break;
    case Action::PauseResume:
      engine.set_paused(!engine.paused());
      break;
    case Action::Help:
      show_help = !show_help;
      break;
    default:
      break;
  }
}

void App::draw_menu() {
  if (!ImGui::BeginMainMenuBar()) return;
  auto item = [&](Action a, bool enabled = true) {
    if (ImGui::MenuItem(action_name(a), shortcut_label(a).c_str(), false, enabled)) run_action(a);
  };
  if (ImGui::BeginMenu("File")) {
    item(Action::New);
    item(Action::Open);
    if (ImGui::BeginMenu("Open recent", !recent.entries().empty())) {
      std::optional<std::string> chosen;
      for (const std::string& r : recent.entries())
        if (ImGui::MenuItem(r.c_str())) chosen = r;
      if (chosen) unless_unsaved([this, path = *chosen] { open_file(path); });
      ImGui::EndMenu();
    }
    ImGui::Separator();
    item(Action::Save);
    item(Action::SaveAs);
    item(Action::SavePalette);
    item(Action::Export, engine.model_state() == ModelState::Ready);
    if (ImGui::MenuItem("Open background image..."))
      dialog.open(FilePurpose::BackgroundImage, "Open background image", {});
    ImGui::Separator();
    item(Action::Quit);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Edit")) {
    const std::string undo = "Undo " + editor.doc().undo_label();
    const std::string redo = "Redo " + editor.doc().redo_label();
    if (ImGui::MenuItem(undo.c_str(), shortcut_label(Action::Undo).c_str(), false, editor.doc().can_undo()))
      run_action(Action::Undo);
    if (ImGui::MenuItem(redo.c_str(), shortcut_label(Action::Redo).c_str(), false, editor.doc().can_redo()))
      run_action(Action::Redo);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    item(Action::ToggleImageSide);
    item(Action::FitView);
    ImGui::SliderFloat("Mask opacity", &composite.overlay_opacity, 0.0f, 1.0f);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem(action_name(Action::Help), shortcut_label(Action::Help).c_str(), show_help))
      run_action(Action::Help);
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

}  // namespace palette::app
