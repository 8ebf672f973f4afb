// A small file chooser drawn with ImGui (the app has no native dialog library): a folder listing,
// a name field, recent files, and OK/cancel. The caller opens it for a purpose and polls the result.
//
//   app.dialog.open(FilePurpose::Open, "Open palette or layout", start_folder);
//   if (auto chosen = app.dialog.draw()) handle(app.dialog.purpose(), *chosen);
//
// Thread safety: UI thread only.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace palette::app {

enum class FilePurpose { Open, SaveLayout, SavePalette, Export, Model, BackgroundImage };

class FileDialog {
 public:
  void open(FilePurpose purpose, const std::string& title, const std::filesystem::path& start,
            const std::string& name = "");
  // Draws it when open; returns the chosen path once, when the user confirms.
  std::optional<std::string> draw(const std::vector<std::string>& recent);
  // Confirms the open dialog with `path` at its next draw(), as typing it and pressing OK would (scripts).
  void confirm(const std::string& path) { confirmed_ = path; }
  FilePurpose purpose() const { return purpose_; }
  bool visible() const { return visible_; }

 private:
  void list_folder();
  FilePurpose purpose_ = FilePurpose::Open;
  std::string title_;
  std::filesystem::path folder_;
  std::vector<std::pair<std::string, bool>> entries_;  // name, is folder
  char name_[1024] = {};
  std::optional<std::string> confirmed_;
  bool visible_ = false, just_opened_ = false;
};

}  // namespace palette::app
