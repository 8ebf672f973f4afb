// The Help window (Help menu, F1): the keys, from the same table the key handler reads, and the words
// the built-in model was trained on, as prompt hints.
#include <imgui.h>

#include <map>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/prompt_hints.h"

namespace palette::app {

namespace {

// Every chord of each action, in the table's order; the nine brush digits as one row.
std::vector<std::pair<std::string, std::string>> key_rows() {
  std::vector<std::pair<std::string, std::string>> rows;
  std::map<Action, size_t> row_of;
  for (const Shortcut& s : shortcuts()) {
    if (brush_digit(s.action) > 1) continue;
    const std::string chord = brush_digit(s.action) ? "1 - 9" : shortcut_label(s);
    if (auto it = row_of.find(s.action); it != row_of.end()) {
      rows[it->second].first += ", " + chord;  // a second chord (Ctrl+Y beside Ctrl+Shift+Z)
      continue;
    }
    row_of[s.action] = rows.size();
    rows.emplace_back(chord, brush_digit(s.action) ? "Select brush (1 = bottom)" : action_name(s.action));
  }
  rows.emplace_back("Space + drag, middle drag", "Pan");
  rows.emplace_back("Wheel", "Zoom");
  return rows;
}

void keys_section() {
  if (!ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) return;
  ImGui::TableSetupColumn("keys", ImGuiTableColumnFlags_WidthFixed, 180);
  ImGui::TableSetupColumn("does");
  for (const auto& [chord, what] : key_rows()) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(chord.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(what.c_str());
  }
  ImGui::EndTable();
}

void prompt_section() {
  ImGui::TextWrapped(
      "The built-in model paints a small world of sixteen things. Give each brush one of them as its prompt "
      "(the name, or one of the other words it knows); words it has not seen, such as styles, are ignored. "
      "Other models (Stable Diffusion 1.x, 2.x) take any prompt.");
  ImGui::Spacing();
  if (!ImGui::BeginTable("words", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) return;
  ImGui::TableSetupColumn("name", ImGuiTableColumnFlags_WidthFixed, 110);
  ImGui::TableSetupColumn("also");
  for (const PromptHint& h : builtin_prompt_hints()) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(h.name.c_str());
    ImGui::TableNextColumn();
    std::string also;
    for (const std::string& a : h.also) also += (also.empty() ? "" : ", ") + a;
    ImGui::TextDisabled("%s", also.c_str());
  }
  ImGui::EndTable();
}

}  // namespace

void draw_help_window(App& app) {
  if (!app.show_help) return;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(
      ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.5f),
      ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(1000, 580), ImGuiCond_Appearing);
  ImGui::SetNextWindowBgAlpha(1.0f);  // text over the panels behind it is hard to read
  if (!ImGui::Begin("Help", &app.show_help, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  // Keys on the left, prompt words on the right: both at a glance, no tabs to find.
  const float files_height = ImGui::GetTextLineHeightWithSpacing() * 5;
  ImGui::BeginChild("keys", ImVec2(450, -files_height));
  ImGui::TextDisabled("Keys");
  keys_section();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("words", ImVec2(0, -files_height));
  ImGui::TextDisabled("Prompt words for the built-in model");
  prompt_section();
  ImGui::EndChild();
  ImGui::Separator();
  ImGui::TextWrapped(
      "Files: a layout (.json) keeps everything, masks and the model in use included; Save palette as writes "
      "a copy with the brushes only and the open layout stays as it was. Unsaved changes are autosaved every "
      "minute to ~/.config/semantic-palette/recovery (never over your file); after a crash the next start "
      "offers to restore them.");
  ImGui::End();
}

}  // namespace palette::app
