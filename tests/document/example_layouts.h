// The example layouts in assets/examples, painted by code so they can be made again exactly.
#pragma once

#include <string>
#include <vector>

#include "palette/document.h"

namespace palette::test {

struct ExampleLayout {
  std::string name;  // file stem: assets/examples/<name>.layout.json and <name>.palette.json
  Document document;
};

std::vector<ExampleLayout> example_layouts();  // landscape, portrait, still-life (512 × 512)

}  // namespace palette::test
