#include "cli/model_choice.h"

#include <filesystem>
#include <iostream>

#include "palette/document_file.h"
#include "palette/error.h"

namespace palette::cli {

ModelChoice choose_model(const std::string& flag, const std::string& layout_file, const std::string& layout_model) {
  if (!flag.empty()) return {flag, false};
  if (!layout_model.empty()) return {model_beside(layout_file, layout_model), false};
  return {builtin_model_folder().string(), true};
}

Model load_chosen_model(const ModelChoice& choice, const ModelOptions& options) {
  if (!choice.builtin) {
    std::cout << "model: " << choice.path << std::endl;
    return Model::load(choice.path, options);
  }
  std::cout << "model: the built-in default model (" << choice.path << "); --model MODEL runs your own" << std::endl;
  const std::string remedy = "; restore it (git checkout -- assets/default-model) or pass --model with a diffusers "
                             "folder or a .safetensors checkpoint";
  std::error_code error;
  if (!std::filesystem::is_regular_file(std::filesystem::path(choice.path) / "model_index.json", error))
    throw Error("the built-in default model is missing: '" + choice.path + "' holds no model_index.json" + remedy);
  try {
    return Model::load(choice.path, options);
  } catch (const Error& e) {
    throw Error("the built-in default model in '" + choice.path + "' is broken: " + e.what() + remedy);
  }
}

}  // namespace palette::cli
