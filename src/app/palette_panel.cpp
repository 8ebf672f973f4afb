// The palette panel: the background and one entry per semantic brush (layer), bottom to top as the
// 1–9 keys count them. Every edit goes to the Document at once, so the live picture follows typing;
// a run of edits to one field folds into one undo step (Merge::WithPrevious).
#include <imgui.h>
#include <imgui_stdlib.h>

#include <optional>

#include "app/app.h"

namespace palette::app {

namespace {

void edit_background(App& app) {
  Document& doc = app.editor.doc();
  Background bg = doc.content().background;
  bool changed =
      ImGui::InputTextMultiline("##bg_prompt", &bg.prompt, ImVec2(-1, ImGui::GetTextLineHeight() * 3));
  changed |= ImGui::InputTextWithHint("##bg_negative", "negative prompt", &bg.negative_prompt);
  if (bg.image) {
    ImGui::Text("Image %d x %d", bg.image->width, bg.image->height);
    ImGui::SameLine();
    if (ImGui::SmallButton("Remove image")) {
      bg.image.reset();
      changed = true;
    }
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("Painting over the image: a mask blur of 8-32 gives soft seams");
    ImGui::PopStyleColor();
  } else {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("Drop a picture on the window (or File > Open background image) to paint over it");
    ImGui::PopStyleColor();
  }
  if (changed) app.attempt([&] { doc.set_background(bg, Merge::WithPrevious); });
}

// One layer's entry; returns a move request (source index → this index) from a drop.
std::optional<std::pair<size_t, size_t>> edit_layer(App& app, size_t index) {
  Document& doc = app.editor.doc();
  const Layer& layer = doc.layers()[index];
  const LayerId id = layer.id;
  LayerProperties p = layer.properties;
  std::optional<std::pair<size_t, size_t>> move;
  ImGui::PushID(static_cast<int>(id));

  float rgb[3] = {p.color.r / 255.0f, p.color.g / 255.0f, p.color.b / 255.0f};
  bool changed = false;
  if (ImGui::ColorEdit3("##color", rgb, ImGuiColorEditFlags_NoInputs | ImGuiColorEditFlags_NoLabel)) {
    p.color = {static_cast<uint8_t>(rgb[0] * 255 + 0.5f), static_cast<uint8_t>(rgb[1] * 255 + 0.5f),
               static_cast<uint8_t>(rgb[2] * 255 + 0.5f)};
    changed = true;
  }
  ImGui::SameLine();
  const std::string label = std::to_string(index + 1) + "  " + p.name;
  if (ImGui::Selectable(label.c_str(), app.editor.selected() == id, 0, ImVec2(150, 0))) app.editor.select(id);
  // Dragging an entry onto another moves it there (z-order).
  if (ImGui::BeginDragDropSource()) {
    ImGui::SetDragDropPayload("palette-layer", &index, sizeof index);
    ImGui::Text("Move '%s'", p.name.c_str());
    ImGui::EndDragDropSource();
  }
  if (ImGui::BeginDragDropTarget()) {
    if (const ImGuiPayload* payload = ImGui::AcceptDragDropPayload("palette-layer"))
      move = std::make_pair(*static_cast<const size_t*>(payload->Data), index);
    ImGui::EndDragDropTarget();
  }
  ImGui::SameLine();
  changed |= ImGui::Checkbox("on", &p.enabled);
  ImGui::SameLine();
  bool visible = !app.composite.hidden.count(id);
  if (ImGui::Checkbox("show", &visible)) {
    if (visible)
      app.composite.hidden.erase(id);
    else
      app.composite.hidden.insert(id);
  }
  if (app.editor.selected() == id) {
    changed |= ImGui::InputText("name", &p.name);
    changed |= ImGui::InputTextMultiline("prompt", &p.prompt, ImVec2(-60, ImGui::GetTextLineHeight() * 3));
    changed |= ImGui::InputText("negative", &p.negative_prompt);
    float ps = static_cast<float>(p.prompt_strength), ms = static_cast<float>(p.mask_strength),
          blur = static_cast<float>(p.mask_blur);
    if (ImGui::SliderFloat("prompt strength", &ps, 0, 1)) p.prompt_strength = ps, changed = true;
    if (ImGui::SliderFloat("mask strength", &ms, 0, 1)) p.mask_strength = ms, changed = true;
    if (ImGui::SliderFloat("mask blur", &blur, 0, 64, "%.1f px")) p.mask_blur = blur, changed = true;
  } else if (!p.prompt.empty()) {
    ImGui::TextDisabled("%.60s", p.prompt.c_str());
  }
  if (changed) {
    try {
      doc.set_layer_properties(id, p, Merge::WithPrevious);
    } catch (const std::exception& e) {
      app.set_error(e.what());
    }
  }
  ImGui::Separator();
  ImGui::PopID();
  return move;
}

}  // namespace

void draw_palette_panel(App& app) {
  ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(ImVec2(340, vp->WorkSize.y - ImGui::GetFrameHeight() - 6));
  ImGui::Begin("Palette", nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  ImGui::TextDisabled("Background");
  edit_background(app);
  ImGui::Separator();

  const char* tools[] = {"Brush (B)", "Eraser (E)", "Fill (G)"};
  int tool = static_cast<int>(app.tools.tool());
  for (int i = 0; i < 3; ++i) {
    if (i) ImGui::SameLine();
    if (ImGui::RadioButton(tools[i], tool == i)) app.tools.set_tool(static_cast<Tool>(i));
  }
  float size = static_cast<float>(app.tools.size()), hardness = static_cast<float>(app.tools.hardness());
  if (ImGui::SliderFloat("size [ ]", &size, 1, 256, "%.0f px", ImGuiSliderFlags_Logarithmic))
    app.tools.set_size(size);
  if (ImGui::SliderFloat("hardness", &hardness, 0, 1)) app.tools.set_hardness(hardness);
  ImGui::SliderFloat("mask opacity", &app.composite.overlay_opacity, 0, 1);
  ImGui::Separator();

  ImGui::TextDisabled("Brushes, bottom to top (keys 1-9)");
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Drag a brush onto another to change the order (z-order)");
  if (ImGui::Button("Add")) app.attempt([&] { app.editor.add_layer(); });
  ImGui::SameLine();
  if (ImGui::Button("Duplicate")) app.attempt([&] { app.editor.duplicate_selected(); });
  ImGui::SameLine();
  if (ImGui::Button("Remove")) app.editor.remove_selected();
  ImGui::SameLine();
  if (ImGui::Button("Clear mask") && app.editor.selected())
    app.editor.doc().clear_mask(app.editor.selected());
  ImGui::Separator();
  std::optional<std::pair<size_t, size_t>> move;
  for (size_t i = 0; i < app.editor.doc().layers().size(); ++i)
    if (auto m = edit_layer(app, i)) move = m;
  if (move && move->first < app.editor.doc().layers().size())
    app.editor.doc().move_layer(app.editor.doc().layers()[move->first].id, move->second);
  ImGui::End();
}

}  // namespace palette::app
