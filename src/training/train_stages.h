// The three training stages behind palette::train_default, and the pieces they share about the model
// folder they write.
// Thread safety: one stage at a time per process.
#pragma once

#include <filesystem>
#include <string>

#include "models/clip_text/clip_text_model.h"
#include "models/taesd/taesd.h"
#include "models/unet/unet.h"
#include "models/vae/autoencoder_kl.h"
#include "palette/training.h"
#include "training/default_model.h"

namespace palette::training {

TrainReport train_autoencoder(const TrainOptions& options);
TrainReport train_vae_decoder(const TrainOptions& options);
TrainReport train_unet(const TrainOptions& options);
TrainReport train_decoder(const TrainOptions& options);

// Where each component's weights live in a diffusers folder.
std::filesystem::path vae_weights(const std::filesystem::path& folder);
std::filesystem::path unet_weights(const std::filesystem::path& folder);
std::filesystem::path text_weights(const std::filesystem::path& folder);
std::filesystem::path taesd_weights(const std::filesystem::path& folder);

// Freshly initialised networks of `spec` (the text encoder's embeddings as CLIP initialises them).
AutoencoderKL make_vae(const DefaultModelSpec& spec, double scaling_factor = 1.0);
UNet2DConditionModel make_unet(const DefaultModelSpec& spec, int64_t image_size);
ClipTextModel make_text_encoder(const DefaultModelSpec& spec);
Taesd make_taesd(const DefaultModelSpec& spec);

// Throws palette::Error naming the file and the key when `config_file` (a component's config.json in the
// model folder) describes another architecture than `expected` (values the training may change, such as
// the VAE's scaling factor, are not compared): weights of one architecture must not resume in another.
void check_architecture(const std::filesystem::path& config_file, const nlohmann::json& expected);

// Loads `file` (fp16 or fp32 safetensors) into `module` as float32; returns the step it records.
// Throws palette::Error naming the file when it is missing or does not fit.
int64_t load_checkpoint(torch::nn::Module& module, const std::filesystem::path& file, bool clip_text = false);

// The frozen, trained autoencoder of the model folder `folder` (float32, eval mode, on the CPU), of any
// width: 4 latent channels, ×8. Throws palette::Error naming the folder when it has none (`stage` names the
// stage that needs it), or naming the file when it does not fit.
AutoencoderKL load_trained_vae(const std::filesystem::path& folder, const std::string& stage);

// (B,3,H,W) uint8 pictures → float in [-1, 1] on `device`.
torch::Tensor to_unit_range(const torch::Tensor& pictures, const torch::Device& device);

// `batch` pictures drawn at random from `images` ((N, 3, H, W) uint8 on `device`) in [-1, 1], cut to one
// crop × crop window at a random 8-pixel-aligned place (the same for the whole batch).
torch::Tensor random_crops(const torch::Tensor& images, int64_t batch, int crop, const torch::Device& device);

// `x0` ((B,C,h,w) latents) where rows with `swap` ((B) bool) keep their own cells only where `keep`
// ((B,1,h,w) bool) holds, and take the rest from the next row (cyclically): a region's content set among
// another picture's surroundings. Other rows are returned as they are.
torch::Tensor with_foreign_surroundings(const torch::Tensor& x0, const torch::Tensor& keep, const torch::Tensor& swap);

}  // namespace palette::training
