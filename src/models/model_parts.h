// What a loaded palette::Model holds: the networks and their settings, for the engine's pipelines.
// Everything here is immutable after Model::load (the modules are in eval mode; callers run them
// under torch::NoGradGuard or InferenceMode and never change their parameters).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "models/clip_text/clip_text_model.h"
#include "models/detect_config.h"
#include "models/taesd/taesd.h"
#include "models/unet/unet.h"
#include "models/vae/autoencoder_kl.h"
#include "palette/model.h"
#include "text/clip_tokenizer.h"

namespace palette {

struct ModelParts {
  ModelFamily family = ModelFamily::Sd1;
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
  std::shared_ptr<const ClipTokenizer> tokenizer;
  ClipTextModel text_encoder{nullptr};
  UNet2DConditionModel unet{nullptr};
  AutoencoderKL vae{nullptr};
  Taesd taesd{nullptr};                 // null when no TAESD was given
  nlohmann::json scheduler_config;      // diffusers scheduler_config.json (or the family's default)
};

// The CLIP vocabulary shipped in assets/clip-tokenizer ($PALETTE_ASSETS overrides the folder), with
// the family's padding token: what single-file checkpoints, which carry no tokenizer, use.
std::shared_ptr<const ClipTokenizer> bundled_clip_tokenizer(ModelFamily family);

}  // namespace palette
