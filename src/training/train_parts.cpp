// Pieces the training stages share: the networks of a spec, checkpoints in the model folder, the
// dispatch to a stage, and the architecture's sizes.
#include <torch/torch.h>

#include "io/json_config.h"
#include "models/module_weights.h"
#include "palette/error.h"
#include "palette/safetensors.h"
#include "training/train_common.h"
#include "training/train_stages.h"

namespace palette {

namespace training {

namespace fs = std::filesystem;

fs::path vae_weights(const fs::path& folder) { return folder / "vae" / "diffusion_pytorch_model.safetensors"; }
fs::path unet_weights(const fs::path& folder) { return folder / "unet" / "diffusion_pytorch_model.safetensors"; }
fs::path text_weights(const fs::path& folder) { return folder / "text_encoder" / "model.safetensors"; }
fs::path taesd_weights(const fs::path& folder) { return folder / "taesd" / "diffusion_pytorch_model.safetensors"; }

AutoencoderKL make_vae(const DefaultModelSpec& spec, double scaling_factor) {
  return AutoencoderKL(AutoencoderKLConfig::from_json(JsonConfig(vae_config_json(spec, scaling_factor), "default VAE config")));
}

UNet2DConditionModel make_unet(const DefaultModelSpec& spec, int64_t image_size) {
  return UNet2DConditionModel(UNetConfig::from_json(JsonConfig(unet_config_json(spec, image_size / 8), "default UNet config")));
}

ClipTextModel make_text_encoder(const DefaultModelSpec& spec) {
  ClipTextModel model(ClipTextConfig::from_json(JsonConfig(text_encoder_config_json(spec), "default text encoder config")));
  // CLIP's initialisation: small embeddings (LibTorch's default, N(0, 1), would swamp the layer norms).
  torch::NoGradGuard no_grad;
  model->text_model->embeddings->token_embedding->weight.normal_(0.0, 0.02);
  model->text_model->embeddings->position_embedding->weight.normal_(0.0, 0.01);
  return model;
}

Taesd make_taesd(const DefaultModelSpec& spec) {
  return Taesd(TaesdConfig::from_json(JsonConfig(taesd_config_json(spec), "default TAESD config")));
}

AutoencoderKL load_trained_vae(const fs::path& folder, const std::string& stage) {
  if (!fs::is_regular_file(vae_weights(folder)) || !fs::is_regular_file(folder / "vae" / "config.json"))
    throw Error("'" + folder.string() + "': no trained autoencoder (vae/) for the " + stage +
                " stage; run --stage autoencoder first");
  const auto config = AutoencoderKLConfig::from_json(JsonConfig::load(folder / "vae" / "config.json"));
  if (config.latent_channels != 4 || config.block_out_channels.size() != 4)
    throw Error("'" + (folder / "vae" / "config.json").string() +
                "': the " + stage + " stage needs an autoencoder with 4 latent channels and 4 blocks (×8)");
  AutoencoderKL vae(config);
  load_checkpoint(*vae, vae_weights(folder));
  vae->eval();
  for (auto& p : vae->parameters()) p.set_requires_grad(false);
  return vae;
}

void check_architecture(const fs::path& config_file, const nlohmann::json& expected) {
  const nlohmann::json found = JsonConfig::load(config_file).raw();
  for (const auto& [key, value] : expected.items()) {
    if (key == "scaling_factor" || key == "sample_size" || key == "_diffusers_version" || key == "torch_dtype") continue;
    if (found.contains(key) && found.at(key) == value) continue;
    throw Error("'" + config_file.string() + "': " + key + " is " + (found.contains(key) ? found.at(key).dump() : "missing") +
                ", the architecture being trained has " + value.dump() +
                "; train afresh (without --resume) or into another folder");
  }
}

int64_t load_checkpoint(torch::nn::Module& module, const fs::path& file, bool clip_text) {
  if (!fs::is_regular_file(file)) throw Error("'" + file.string() + "': no weights to resume from");
  const auto st = SafetensorsFile::open(file);
  const TensorMap tensors = st.load_all(torch::dtype(torch::kFloat32));
  if (clip_text)
    load_clip_text_weights(dynamic_cast<ClipTextModelImpl&>(module), tensors, file.string());
  else
    load_weights(module, tensors, file.string());
  return saved_step(file);
}

torch::Tensor to_unit_range(const torch::Tensor& pictures, const torch::Device& device) {
  return pictures.to(device, /*non_blocking=*/true).to(torch::kFloat32).div_(127.5).sub_(1.0);
}

torch::Tensor random_crops(const torch::Tensor& images, int64_t batch, int crop, const torch::Device& device) {
  const auto idx = torch::randint(images.size(0), {batch}, torch::dtype(torch::kLong).device(device));
  const auto x = to_unit_range(images.index_select(0, idx), device);
  const int64_t places = (images.size(2) - crop) / 8 + 1;  // 8: the latent's pixel
  const auto at = torch::randint(places, {2}, torch::kLong);
  return x.narrow(2, 8 * at[0].item<int64_t>(), crop).narrow(3, 8 * at[1].item<int64_t>(), crop);
}

torch::Tensor with_foreign_surroundings(const torch::Tensor& x0, const torch::Tensor& keep, const torch::Tensor& swap) {
  const auto foreign = swap.view({-1, 1, 1, 1}).logical_and(keep.logical_not());
  return torch::where(foreign, x0.roll(-1, 0), x0);
}

}  // namespace training

TrainReport train_default(const TrainOptions& options) {
  training::validate_train_options(options);
  training::DefaultModelSpec::named(options.size);  // refuses an unknown size before any work
  switch (options.stage) {
    case TrainStage::Autoencoder: return training::train_autoencoder(options);
    case TrainStage::VaeDecoder: return training::train_vae_decoder(options);
    case TrainStage::Unet: return training::train_unet(options);
    case TrainStage::Decoder: return training::train_decoder(options);
  }
  throw Error("unknown training stage");
}

void init_default_model_folder(const std::filesystem::path& folder, const std::string& size, int image_size) {
  const auto spec = training::DefaultModelSpec::named(size);
  if (std::filesystem::exists(folder / "model_index.json"))
    throw Error("'" + folder.string() + "' already holds a model (model_index.json); nothing written");
  training::write_model_configs(folder, spec, 1.0, image_size);
}

std::vector<ComponentSize> default_model_sizes(const std::string& size) {
  const auto spec = training::DefaultModelSpec::named(size);
  std::vector<ComponentSize> sizes;
  const auto add = [&](const std::string& name, const torch::nn::Module& m) {
    const int64_t n = parameter_count(m);
    sizes.push_back({name, n, 2 * n});
  };
  add("vae", *training::make_vae(spec));
  add("unet", *training::make_unet(spec, 256));
  add("text_encoder", *training::make_text_encoder(spec));
  add("taesd", *training::make_taesd(spec));
  return sizes;
}

}  // namespace palette
