// The options every command that loads a model shares: --device, --dtype, --config-dir, --taesd,
// --lora FILE[:SCALE]. Parsed into palette::ModelOptions, with clear errors for bad values.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "palette/model.h"

namespace palette::cli {

struct ModelArgs {
  std::string device = "auto";  // auto: CUDA when available, else CPU
  std::string dtype = "auto";   // auto: float16 on CUDA, float32 on CPU
  std::string config_dir, taesd;
  std::vector<std::string> loras;  // FILE or FILE:SCALE
};

void add_model_options(CLI::App& command, ModelArgs& args);

// Throws palette::Error naming the option for an unknown device or dtype or a malformed LoRA scale.
ModelOptions to_model_options(const ModelArgs& args);

}  // namespace palette::cli
