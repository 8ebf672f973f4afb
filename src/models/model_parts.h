// What a loaded palette::Model holds: the networks and their settings, for the engine's pipelines.
// Everything here but one cache (white_posteriors) is immutable after Model::load (the modules are in
// eval mode; callers run them under torch::NoGradGuard or InferenceMode and never change their
// parameters).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "models/clip_text/clip_text_model.h"
#include "models/detect_config.h"
#include "models/taesd/taesd.h"
#include "models/unet/unet.h"
#include "models/vae/autoencoder_kl.h"
#include "palette/model.h"
#include "text/clip_tokenizer.h"

namespace palette {

// The VAE posteriors of the all-white picture at the last few sizes asked for. The region pipeline
// needs one at every render (pipelines/region_parts.h, white_posterior), and it depends on nothing but
// the VAE, so the model keeps them: they go when the model goes. Safe to use from several threads.
class WhitePosteriors {
 public:
  // The posterior kept for height × width, else what `encode` returns, kept from now on (the least
  // recently used size goes when there are more than a few). `encode` runs outside the lock.
  GaussianPosterior get(int64_t height, int64_t width,
                        const std::function<GaussianPosterior()>& encode) const;

 private:
  struct Entry {
    int64_t height = 0, width = 0;
    GaussianPosterior posterior;
  };
  mutable std::mutex mutex_;
  mutable std::list<Entry> entries_;  // most recently used first
};

struct ModelParts {
  ModelFamily family = ModelFamily::Sd1;
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
  std::shared_ptr<const ClipTokenizer> tokenizer;
  ClipTextModel text_encoder{nullptr};
  UNet2DConditionModel unet{nullptr};
  AutoencoderKL vae{nullptr};
  // SDXL's second text encoder (CLIPTextModelWithProjection, text_encoder_2/) and its tokenizer; null
  // for SD 1.x and 2.x. With it, prompts condition through both (pipelines/prompt_encoding.h).
  std::shared_ptr<const ClipTokenizer> tokenizer_2;
  ClipTextModel text_encoder_2{nullptr};
  bool force_zeros_for_empty_prompt = false;  // SDXL pipelines: no negative prompt → zero embeddings
  Taesd taesd{nullptr};                 // null when no TAESD was given
  nlohmann::json scheduler_config;      // diffusers scheduler_config.json (or the family's default)
  WhitePosteriors white_posteriors;     // the only part that changes after load: a cache
};

// The networks of `model`, for the engine's own code (pipelines, bench, training); valid as long as any
// copy of `model` lives.
struct ModelInternals {
  static const ModelParts& parts(const Model& model) { return *model.parts_; }
};
inline const ModelParts& model_parts(const Model& model) { return ModelInternals::parts(model); }

// The dtype a model's VAE is kept in: the model's, but for SDXL asked for in float16 (force_upcast) bfloat16
// where the device runs it natively, else float32. Model::load and Model::random both follow it.
torch::Dtype vae_dtype(ModelFamily family, const ModelOptions& options, bool force_upcast);

// The CLIP vocabulary shipped in the bundled assets' clip-tokenizer/ (models/assets.h), with
// the family's padding token: what single-file checkpoints, which carry no tokenizer, use.
std::shared_ptr<const ClipTokenizer> bundled_clip_tokenizer(ModelFamily family);

}  // namespace palette
