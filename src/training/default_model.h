// The architecture of the built-in default model, and its diffusers folder around the weights:
// model_index.json, unet/ vae/ text_encoder/ config.json, scheduler/scheduler_config.json and the CLIP
// tokenizer, so the folder loads with palette::Model::load like any downloaded checkpoint.
// Thread safety: pure functions; writing a folder is not safe against another writer of the same folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace palette::training {

struct DefaultModelSpec {
  // AutoencoderKL: 4 latent channels, ×8 (four blocks)
  std::vector<int64_t> vae_channels = {32, 64, 128, 128};
  int64_t vae_layers = 1;
  // At least 4 channels per normalisation group. The first shipped weights had 32 groups (one channel per
  // group at the top: instance normalisation) and decode small saturated blobs at picture edges, the
  // artefact instance normalisation is known for (StyleGAN2's "droplets").
  int64_t vae_groups = 8;
  // UNet2DConditionModel in the SD 1.x layout (3 cross-attention down blocks, then a plain one)
  std::vector<int64_t> unet_channels = {64, 96, 128, 128};
  int64_t unet_layers = 1;
  int64_t unet_heads = 4;
  int64_t unet_groups = 16;  // 4–8 channels per group (SD 1.5 has 10)
  // CLIP text encoder (quick_gelu, the CLIP vocabulary of 49408 tokens)
  int64_t text_width = 64;
  int64_t text_layers = 3;
  int64_t text_heads = 4;
  int64_t text_mlp = 256;
  // AutoencoderTiny (diffusers layout, what --taesd loads) for live frames, distilled from the VAE. The
  // decoder halves its width at every ×2 upsampling (stock TAESD's block counts): the stock TAESD, 64
  // channels throughout, costs about as much as this small VAE on a CPU; this one decodes 512² in about a
  // fourteenth of its time (bench/RESULTS.md). The encoder (background pictures of the stream) is narrow
  // at full resolution too.
  std::vector<int64_t> taesd_decoder_channels = {64, 32, 16, 8};  // per stage, from the latent's side up
  std::vector<int64_t> taesd_decoder_blocks = {3, 3, 3, 1};
  std::vector<int64_t> taesd_encoder_channels = {16, 32, 64, 64};  // per stage, from the picture's side down
  std::vector<int64_t> taesd_encoder_blocks = {1, 1, 2, 2};

  static DefaultModelSpec standard();  // the shipped model
  static DefaultModelSpec tiny();      // for tests: the same layout, a few thousand weights per block
  static DefaultModelSpec named(const std::string& name);  // "standard" or "tiny"; palette::Error otherwise
};

// The normalisation groups a folder's network was trained with (`config_file`'s norm_num_groups), or
// `otherwise` when the file is missing. Grouping changes no weight's shape, so weights trained with other
// groups (the first shipped model has 32 in both networks) go on training in their own architecture.
int64_t trained_groups(const std::filesystem::path& config_file, int64_t otherwise);

nlohmann::json vae_config_json(const DefaultModelSpec& spec, double scaling_factor);
nlohmann::json unet_config_json(const DefaultModelSpec& spec, int64_t sample_size);
nlohmann::json text_encoder_config_json(const DefaultModelSpec& spec);
// AutoencoderTiny taking UNet-scale latents (scaling factor 1, shift 0, as SD's TAESD).
nlohmann::json taesd_config_json(const DefaultModelSpec& spec);
// LCMScheduler on SD's scaled-linear betas with v-prediction (what the UNet is trained for).
nlohmann::json scheduler_config_json();

// Writes everything but the weights into `folder` (created if needed): model_index.json, the four
// configs (the VAE's with `scaling_factor`) and tokenizer/ (write_clip_tokenizer). Each file is written
// atomically. Throws palette::Error naming the file.
void write_model_configs(const std::filesystem::path& folder, const DefaultModelSpec& spec, double scaling_factor,
                         int64_t image_size);

// Writes a CLIP tokenizer folder as SD 1.x ships it into `folder` (created if needed): the bundled vocabulary
// and merges (the bundled assets' clip-tokenizer/, models/assets.h), special_tokens_map.json and
// tokenizer_config.json. Each file is written atomically. Throws palette::Error naming the file.
void write_clip_tokenizer(const std::filesystem::path& folder, const std::string& pad_token = "<|endoftext|>");

// Writes `folder`/taesd/config.json (the folder created if needed), atomically. Throws palette::Error naming
// the file.
void write_taesd_config(const std::filesystem::path& folder, const DefaultModelSpec& spec);

}  // namespace palette::training
