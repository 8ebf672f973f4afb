#include "app/canvas_presets.h"

#include <cstdio>

namespace palette::app {

const std::vector<CanvasPreset>& canvas_presets() {
  static const std::vector<CanvasPreset> presets = {
      {"Square 512 x 512", 512, 512},
      {"Square 768 x 768", 768, 768},
      {"Square 1024 x 1024", 1024, 1024},
      {"Landscape 16:9 (1024 x 576)", 1024, 576},
      {"Portrait 9:16 (576 x 1024)", 576, 1024},
  };
  return presets;
}

std::optional<size_t> preset_index(int width, int height) {
  const auto& p = canvas_presets();
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i].width == width && p[i].height == height) return i;
  return std::nullopt;
}

std::optional<std::pair<int, int>> parse_size(const std::string& text) {
  int w = 0, h = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%dx%d%c", &w, &h, &tail) != 2 || w <= 0 || h <= 0) return std::nullopt;
  return std::make_pair(w, h);
}

}  // namespace palette::app
