// Architectures of single-file checkpoints, which carry no config.json: every size comes from the
// tensors' names and shapes; what shapes cannot tell (attention heads, activation, scheduler) comes
// from the family's published configuration (SD 1.x: 8 heads, quick_gelu; SD 2.x: 64-wide heads,
// gelu, linear projections; SDXL: 64-wide heads, CLIP ViT-L + OpenCLIP bigG, its VAE's scale). The results are diffusers-style config JSON, so the one validating
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
// `pooled_dim` (SDXL only): the width of the second text encoder's projection, which the UNet's text_time
// embedding reads beside the time ids.
nlohmann::json detect_unet_config(const TensorMap& unet, ModelFamily family, const std::string& source,
                                  int64_t pooled_dim = 0);
nlohmann::json detect_vae_config(const TensorMap& vae, ModelFamily family, const std::string& source);
// The (first) text encoder; for SDXL that is CLIP ViT-L, as SD 1.x's.
nlohmann::json detect_text_encoder_config(const TensorMap& text, ModelFamily family, const std::string& source);
// SDXL's second text encoder: OpenCLIP ViT-bigG's layout with its projection (CLIPTextModelWithProjection).
nlohmann::json detect_text_encoder_2_config(const TensorMap& text, const std::string& source);
nlohmann::json default_scheduler_config(ModelFamily family);

}  // namespace palette
