// The app's modal prompts: unsaved changes (Save / Discard / Cancel), restoring an autosave after a
// crash (Restore / Discard) and the New dialog (canvas size presets). Buttons and the session script
// answer them through App::answer, so a script takes the same path as a click.
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#define GLFW_INCLUDE_NONE  // the key codes only
#include <GLFW/glfw3.h>

#include "app/app.h"
#include "app/canvas_presets.h"
#include "palette/error.h"

namespace palette::app {

namespace {

constexpr const char* kUnsavedTitle = "Unsaved changes";
constexpr const char* kRecoveryTitle = "Restore unsaved work?";
constexpr const char* kNewTitle = "New painting";

// Opens popup `title` on the frame `ask` was set, and closes it once `open` has gone false (answered
// by a script, or by a button): ImGui closes a popup only from inside its Begin/End.
bool begin_prompt(const char* title, bool& ask, bool open) {
  if (ask) {
    ImGui::OpenPopup(title);
    ask = false;
  }
  if (!ImGui::BeginPopupModal(title, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return false;
  if (!open) {
    ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return false;
  }
  return true;
}

std::string age_text(std::filesystem::file_time_type written) {
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(
      std::filesystem::file_time_type::clock::now() - written);
  const long s = static_cast<long>(age.count());
  char text[64];
  if (s < 60)
    std::snprintf(text, sizeof text, "less than a minute ago");
  else if (s < 120)
    std::snprintf(text, sizeof text, "a minute ago");
  else if (s < 7200)
    std::snprintf(text, sizeof text, "%ld minutes ago", s / 60);
  else
    std::snprintf(text, sizeof text, "%ld hours ago", s / 3600);
  return text;
}

}  // namespace

void App::answer(Answer choice, int canvas_width, int canvas_height) {
  if (unsaved_open_) {
    if (choice != Answer::Save && choice != Answer::Discard && choice != Answer::Cancel)
      throw Error("the unsaved-changes prompt takes save, discard or cancel");
    unsaved_open_ = false;
    std::function<void()> then = std::move(pending_);
    pending_ = nullptr;
    if (choice == Answer::Save) save_then(std::move(then));
    if (choice == Answer::Discard && then) then();
  } else if (recovery_offer_) {
    if (choice != Answer::Restore && choice != Answer::Discard)
      throw Error("the recovery prompt takes restore or discard");
    if (choice == Answer::Restore) {
      restore_recovery();
    } else {
      recovery_.discard(*recovery_offer_);
      set_status("discarded the autosaved work");
    }
    recovery_offer_.reset();
  } else if (new_open_) {
    if (choice != Answer::Create && choice != Answer::Cancel)
      throw Error("the New dialog takes create or cancel");
    new_open_ = false;
    if (choice == Answer::Create) {
      if (canvas_width > 0) new_size_[0] = canvas_width, new_size_[1] = canvas_height;
      create_document(new_size_[0], new_size_[1]);
    }
  } else {
    throw Error("no prompt is open");
  }
}

void App::draw_unsaved_prompt() {
  if (!begin_prompt(kUnsavedTitle, ask_discard_, unsaved_open_)) return;
  ImGui::Text("%s has unsaved changes.",
              editor.path().empty() ? "The untitled document" : editor.path().filename().c_str());
  ImGui::TextDisabled("Save them first, or go on without them?");
  if (ImGui::Button("Save")) answer(Answer::Save);
  ImGui::SameLine();
  if (ImGui::Button("Discard")) answer(Answer::Discard);
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE)) answer(Answer::Cancel);
  if (!unsaved_open_) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void App::draw_recovery_prompt() {
  const bool open = recovery_offer_.has_value();
  if (!begin_prompt(kRecoveryTitle, ask_recovery_, open)) return;
  ImGui::TextUnformatted("Semantic Palette did not quit cleanly last time.");
  ImGui::Text("Unsaved work was autosaved %s.", age_text(recovery_offer_->written).c_str());
  ImGui::TextDisabled("%s", recovery_offer_->path.string().c_str());
  ImGui::Spacing();
  if (ImGui::Button("Restore")) answer(Answer::Restore);
  ImGui::SameLine();
  if (ImGui::Button("Discard")) answer(Answer::Discard);
  if (!recovery_offer_) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

void App::open_new_dialog() {
  // The model's own size (1024² for SDXL) when one is loaded, else the open document's size when it is a
  // preset, else the default: never a stale custom size.
  const int side = engine.native_side();
  new_preset_ = (side > 0 ? preset_index(side, side) : std::nullopt)
                    .value_or(preset_index(editor.doc().width(), editor.doc().height()).value_or(0));
  new_size_[0] = canvas_presets()[new_preset_].width;
  new_size_[1] = canvas_presets()[new_preset_].height;
  ask_new_ = new_open_ = true;
}

void App::draw_new_dialog() {
  if (!begin_prompt(kNewTitle, ask_new_, new_open_)) return;
  const std::vector<CanvasPreset>& presets = canvas_presets();
  ImGui::TextUnformatted("Canvas size");
  for (size_t i = 0; i < presets.size(); ++i) {
    if (ImGui::RadioButton(presets[i].label, new_preset_ == i)) {
      new_preset_ = i;
      new_size_[0] = presets[i].width;
      new_size_[1] = presets[i].height;
    }
  }
  if (ImGui::RadioButton("Custom", new_preset_ == presets.size())) new_preset_ = presets.size();
  if (new_preset_ == presets.size()) {
    ImGui::SetNextItemWidth(200);
    if (ImGui::InputInt2("width x height", new_size_)) {
      // Multiples of 8 (the latent's pixel) in [64, 16384], as the document requires.
      for (int& side : new_size_) side = std::clamp((side + 4) / 8 * 8, kMinCanvasSide, kMaxImageSide);
    }
  }
  ImGui::TextDisabled("Larger canvases take longer to paint live; the export renders the full size.");
  ImGui::Spacing();
  if (ImGui::Button("Create")) answer(Answer::Create);
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE)) answer(Answer::Cancel);
  if (!new_open_) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

// The untouched new document of a start without a file or --size takes the first loaded model's own size
// (1024² for SDXL, which paints poorly at 512²), once.
void App::follow_model_size() {
  if (!size_follows_model_ || engine.model_state() != ModelState::Ready) return;
  size_follows_model_ = false;
  const int side = engine.native_side();
  const Document& d = editor.doc();
  if (side <= 0 || editor.dirty() || !editor.path().empty() || (d.width() == side && d.height() == side)) return;
  create_document(side, side);
}

void App::create_document(int width, int height) {
  attempt([&] {
    editor.new_document(width, height);  // throws for a side the document refuses; nothing changes then
    composite.hidden.clear();
    view_fitted = false;
    set_status("new document, " + std::to_string(width) + " x " + std::to_string(height));
  });
}

}  // namespace palette::app
