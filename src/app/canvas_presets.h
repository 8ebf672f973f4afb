// The canvas sizes the New dialog offers. Every side is a multiple of 64 (the UNet's ×8 latent is then
// a multiple of 8, which keeps MultiDiffusion's windows aligned) and at most 1024, so that the built-in
// model and SD 1.5-class models paint them in one go.
//
//   for (const CanvasPreset& p : canvas_presets()) ImGui::RadioButton(p.label, …);
//
// Thread safety: an immutable table.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace palette::app {

struct CanvasPreset {
  const char* label;  // "Square 512 × 512", "Landscape 16:9 (1024 × 576)"
  int width;
  int height;
};

const std::vector<CanvasPreset>& canvas_presets();  // 512², 768², 1024², 16:9, 9:16; the first is the default
// The preset of exactly this size, if any (the New dialog preselects it).
std::optional<size_t> preset_index(int width, int height);
// "768x768" as written in scripts and on the command line; nullopt unless both sides are whole numbers.
std::optional<std::pair<int, int>> parse_size(const std::string& text);

}  // namespace palette::app
