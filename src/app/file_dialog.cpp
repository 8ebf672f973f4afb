#include "app/file_dialog.h"

#include <imgui.h>

#include <algorithm>
#include <cstring>
#include <system_error>

namespace palette::app {

void FileDialog::open(FilePurpose purpose, const std::string& title, const std::filesystem::path& start,
                      const std::string& name) {
  purpose_ = purpose;
  title_ = title;
  std::error_code ec;
  folder_ = start.empty() ? std::filesystem::current_path(ec) : start;
  std::snprintf(name_, sizeof name_, "%s", name.c_str());
  visible_ = just_opened_ = true;
  confirmed_.reset();
  list_folder();
}

void FileDialog::list_folder() {
  entries_.clear();
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (!n.empty() && n[0] == '.') continue;
    entries_.emplace_back(n, it->is_directory(ec));
  }
  std::sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second : a.first < b.first;  // folders first
  });
}

std::optional<std::string> FileDialog::draw(const std::vector<std::string>& recent) {
  if (!visible_) return std::nullopt;
  if (just_opened_) {
    ImGui::OpenPopup(title_.c_str());
    just_opened_ = false;
  }
  std::optional<std::string> chosen;
  ImGui::SetNextWindowSize(ImVec2(560, 420), ImGuiCond_Appearing);
  if (!ImGui::BeginPopupModal(title_.c_str(), &visible_)) return std::nullopt;
  ImGui::TextUnformatted(folder_.string().c_str());
  if (ImGui::Button("Up")) {
    folder_ = folder_.parent_path();
    list_folder();
  }
  if (purpose_ == FilePurpose::Model) {
    ImGui::SameLine();
    if (ImGui::Button("Use this folder")) chosen = folder_.string();
  }
  ImGui::BeginChild("entries", ImVec2(0, -ImGui::GetFrameHeightWithSpacing() * 2), true);
  std::optional<std::filesystem::path> enter;
  for (const auto& [name, is_dir] : entries_) {
    const std::string label = is_dir ? name + "/" : name;
    if (ImGui::Selectable(label.c_str(), std::strcmp(name_, name.c_str()) == 0,
                          ImGuiSelectableFlags_AllowDoubleClick)) {
      if (is_dir && ImGui::IsMouseDoubleClicked(0))
        enter = folder_ / name;
      else
        std::snprintf(name_, sizeof name_, "%s", name.c_str());
      if (!is_dir && ImGui::IsMouseDoubleClicked(0)) chosen = (folder_ / name).string();
    }
  }
  if (purpose_ == FilePurpose::Open && !recent.empty()) {
    ImGui::Separator();
    ImGui::TextDisabled("Recent");
    for (const std::string& r : recent)
      if (ImGui::Selectable(r.c_str())) chosen = r;
  }
  ImGui::EndChild();
  if (enter) {
    folder_ = *enter;
    name_[0] = 0;
    list_folder();
  }
  ImGui::InputText("Name", name_, sizeof name_);
  ImGui::SameLine();
  if (ImGui::Button("OK") && name_[0]) {
    const std::filesystem::path p(name_);
    chosen = (p.is_absolute() ? p : folder_ / p).string();
  }
  if (confirmed_) chosen = std::move(confirmed_);
  confirmed_.reset();
  if (chosen) {
    visible_ = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
  return chosen;
}

}  // namespace palette::app
