// Which model a command runs: --model, else a layout's settings.model, else the built-in default model
// (assets/default-model), so every command works on a fresh machine; and loading it with one line that
// says which model it is.
#pragma once

#include <string>

#include "palette/model.h"

namespace palette::cli {

struct ModelChoice {
  std::string path;
  bool builtin = false;  // nothing named a model: the built-in default
};

// `flag`: --model as given ("" when not). `layout_file` and `layout_model`: the layout a command reads and
// its settings.model; a relative settings.model that exists beside the layout is taken from there, so a
// layout and its model can travel together.
ModelChoice choose_model(const std::string& flag, const std::string& layout_file = {},
                         const std::string& layout_model = {});

// Prints "model: …" and loads it. A missing or broken built-in model is one palette::Error that names its
// folder and says how to pass --model.
Model load_chosen_model(const ModelChoice& choice, const ModelOptions& options);

}  // namespace palette::cli
