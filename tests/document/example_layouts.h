// The example layouts in assets/examples, painted by code so they can be made again exactly.
#pragma once

#include <string>
#include <vector>

#include "palette/document.h"

namespace palette::test {

enum class ExampleModel {
  BuiltIn,  // the built-in default model (assets/default-model): prompts in its world's class names
  Sd15,     // Stable Diffusion 1.5-class models: free Stable Diffusion-style prompts
};

struct ExampleLayout {
  std::string name;  // file stem: assets/examples/<name>.layout.json and <name>.palette.json
  ExampleModel model;
  Document document;
};

// landscape, coast, village, winter (built-in model), then sd15-landscape, sd15-portrait,
// sd15-still-life; all 512 × 512.
std::vector<ExampleLayout> example_layouts();

}  // namespace palette::test
