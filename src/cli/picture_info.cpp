#include "cli/picture_info.h"

#include <filesystem>

namespace palette::cli {

std::string lora_names(const ModelArgs& args) {
  std::string names;
  for (const std::string& spec : args.loras)
    names += (names.empty() ? "" : ", ") + std::filesystem::path(spec).filename().string();
  return names;
}

PngExportOptions export_options(const ModelChoice& model, uint64_t seed, const ModelArgs& args) {
  PngExportOptions options;
  options.seed = seed;
  options.model = model.path;
  options.builtin_model = model.builtin;
  const std::string loras = lora_names(args);
  if (!loras.empty()) options.fields.emplace_back("LoRA", loras);
  return options;
}

}  // namespace palette::cli
