// Architectures of single-file checkpoints, which carry no config.json: every size comes from the
// tensors' names and shapes; what shapes cannot tell (attention heads, activation, scheduler) comes
// from the family's published configuration (SD 1.x: 8 heads, quick_gelu; SD 2.x: 64-wide heads,
// gelu, linear projections). The results are diffusers-style config JSON, so the one validating
// reader (Config::from_json) serves folders and single files alike.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "models/module_weights.h"

namespace palette {

enum class ModelFamily { Sd1, Sd2, Sdxl };

std::string family_name(ModelFamily family);  // "SD 1.x" / "SD 2.x" / "SDXL"

// Each throws palette::Error naming `source` and the tensor it needed when the tensors do not form a
// model this engine knows.
nlohmann::json detect_unet_config(const TensorMap& unet, ModelFamily family, const std::string& source);
nlohmann::json detect_vae_config(const TensorMap& vae, const std::string& source);
nlohmann::json detect_text_encoder_config(const TensorMap& text, ModelFamily family, const std::string& source);
nlohmann::json default_scheduler_config(ModelFamily family);

}  // namespace palette
