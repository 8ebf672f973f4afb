#include "training/default_model.h"

#include "base/atomic_write.h"
#include "io/json_config.h"
#include "models/assets.h"
#include "palette/error.h"
#include "palette/input_file.h"

namespace palette::training {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  write_file_atomically(path, [&](std::FILE* out) { write_bytes(out, text.data(), text.size(), path); });
}

void write_json(const fs::path& path, const nlohmann::json& json) { write_text(path, json.dump(2) + "\n"); }

std::string read_text(const fs::path& path) {
  return read_input_file(path, "a bundled tokenizer file", 64ull << 20);
}

void make_folder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error("'" + folder.string() + "': cannot create the folder: " + ec.message());
}

nlohmann::json repeated(const std::string& value, size_t n) { return nlohmann::json(std::vector<std::string>(n, value)); }

}  // namespace

DefaultModelSpec DefaultModelSpec::standard() { return {}; }

DefaultModelSpec DefaultModelSpec::tiny() {
  DefaultModelSpec s;
  s.vae_channels = {8, 8, 16, 16};
  s.vae_groups = 4;
  s.unet_channels = {16, 16, 32, 32};
  s.unet_heads = 2;
  s.unet_groups = 8;
  s.text_width = 16;
  s.text_layers = 1;
  s.text_heads = 2;
  s.text_mlp = 32;
  s.taesd_decoder_channels = {8, 8, 8, 8};
  s.taesd_decoder_blocks = {1, 1, 1, 1};
  s.taesd_encoder_channels = {8, 8, 8, 8};
  return s;
}

DefaultModelSpec DefaultModelSpec::named(const std::string& name) {
  if (name == "standard") return standard();
  if (name == "tiny") return tiny();
  throw Error("unknown model size '" + name + "' (standard, tiny)");
}

int64_t trained_groups(const std::filesystem::path& config_file, int64_t otherwise) {
  if (!std::filesystem::exists(config_file)) return otherwise;
  const nlohmann::json config = JsonConfig::load(config_file).raw();
  const auto groups = config.find("norm_num_groups");
  if (groups == config.end() || !groups->is_number_integer() || groups->get<int64_t>() < 1)
    throw Error("'" + config_file.string() + "': norm_num_groups should be a positive whole number");
  return groups->get<int64_t>();
}

nlohmann::json vae_config_json(const DefaultModelSpec& s, double scaling_factor) {
  const size_t n = s.vae_channels.size();
  return {{"_class_name", "AutoencoderKL"},
          {"_diffusers_version", "0.30.0"},
          {"act_fn", "silu"},
          {"block_out_channels", s.vae_channels},
          {"down_block_types", repeated("DownEncoderBlock2D", n)},
          {"force_upcast", false},
          {"in_channels", 3},
          {"latent_channels", 4},
          {"layers_per_block", s.vae_layers},
          {"mid_block_add_attention", true},
          {"norm_num_groups", s.vae_groups},
          {"out_channels", 3},
          {"sample_size", 256},
          {"scaling_factor", scaling_factor},
          {"up_block_types", repeated("UpDecoderBlock2D", n)},
          {"use_post_quant_conv", true},
          {"use_quant_conv", true}};
}

nlohmann::json unet_config_json(const DefaultModelSpec& s, int64_t sample_size) {
  return {{"_class_name", "UNet2DConditionModel"},
          {"_diffusers_version", "0.30.0"},
          {"act_fn", "silu"},
          {"attention_head_dim", s.unet_heads},  // SD 1.x's legacy meaning: the number of heads
          {"block_out_channels", s.unet_channels},
          {"center_input_sample", false},
          {"cross_attention_dim", s.text_width},
          {"down_block_types", {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"}},
          {"downsample_padding", 1},
          {"flip_sin_to_cos", true},
          {"freq_shift", 0},
          {"in_channels", 4},
          {"layers_per_block", s.unet_layers},
          {"mid_block_scale_factor", 1},
          {"mid_block_type", "UNetMidBlock2DCrossAttn"},
          {"norm_eps", 1e-5},
          {"norm_num_groups", s.unet_groups},
          {"out_channels", 4},
          {"sample_size", sample_size},
          {"up_block_types", {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}},
          {"use_linear_projection", false}};
}

nlohmann::json text_encoder_config_json(const DefaultModelSpec& s) {
  return {{"architectures", {"CLIPTextModel"}},
          {"attention_dropout", 0.0},
          {"bos_token_id", 49406},
          {"eos_token_id", 49407},
          {"hidden_act", "quick_gelu"},
          {"hidden_size", s.text_width},
          {"initializer_factor", 1.0},
          {"initializer_range", 0.02},
          {"intermediate_size", s.text_mlp},
          {"layer_norm_eps", 1e-5},
          {"max_position_embeddings", 77},
          {"model_type", "clip_text_model"},
          {"num_attention_heads", s.text_heads},
          {"num_hidden_layers", s.text_layers},
          {"pad_token_id", 49407},
          {"projection_dim", s.text_width},
          {"torch_dtype", "float16"},
          {"vocab_size", 49408}};
}

nlohmann::json taesd_config_json(const DefaultModelSpec& s) {
  return {{"_class_name", "AutoencoderTiny"},
          {"_diffusers_version", "0.30.0"},
          {"act_fn", "relu"},
          {"decoder_block_out_channels", s.taesd_decoder_channels},
          {"encoder_block_out_channels", s.taesd_encoder_channels},
          {"force_upcast", false},
          {"in_channels", 3},
          {"latent_channels", 4},
          {"latent_magnitude", 3},
          {"latent_shift", 0.5},
          {"num_decoder_blocks", s.taesd_decoder_blocks},
          {"num_encoder_blocks", s.taesd_encoder_blocks},
          {"out_channels", 3},
          {"scaling_factor", 1.0},
          {"shift_factor", 0.0},
          {"upsample_fn", "nearest"},
          {"upsampling_scaling_factor", 2}};
}

nlohmann::json scheduler_config_json() {
  return {{"_class_name", "LCMScheduler"},
          {"_diffusers_version", "0.30.0"},
          {"beta_end", 0.012},
          {"beta_schedule", "scaled_linear"},
          {"beta_start", 0.00085},
          {"clip_sample", false},
          {"num_train_timesteps", 1000},
          {"original_inference_steps", 50},
          {"prediction_type", "v_prediction"},
          {"rescale_betas_zero_snr", false},
          {"set_alpha_to_one", true},
          {"steps_offset", 1},
          {"thresholding", false},
          {"timestep_scaling", 10.0},
          {"timestep_spacing", "leading"}};
}

void write_taesd_config(const fs::path& folder, const DefaultModelSpec& spec) {
  make_folder(folder / "taesd");
  write_json(folder / "taesd" / "config.json", taesd_config_json(spec));
}

void write_model_configs(const fs::path& folder, const DefaultModelSpec& spec, double scaling_factor,
                         int64_t image_size) {
  for (const char* sub : {"unet", "vae", "text_encoder", "tokenizer", "scheduler"}) make_folder(folder / sub);
  write_json(folder / "model_index.json",
             {{"_class_name", "StableDiffusionPipeline"},
              {"_diffusers_version", "0.30.0"},
              {"feature_extractor", {nullptr, nullptr}},
              {"requires_safety_checker", false},
              {"safety_checker", {nullptr, nullptr}},
              {"scheduler", {"diffusers", "LCMScheduler"}},
              {"text_encoder", {"transformers", "CLIPTextModel"}},
              {"tokenizer", {"transformers", "CLIPTokenizer"}},
              {"unet", {"diffusers", "UNet2DConditionModel"}},
              {"vae", {"diffusers", "AutoencoderKL"}}});
  write_json(folder / "vae" / "config.json", vae_config_json(spec, scaling_factor));
  write_json(folder / "unet" / "config.json", unet_config_json(spec, image_size / 8));
  write_json(folder / "text_encoder" / "config.json", text_encoder_config_json(spec));
  write_json(folder / "scheduler" / "scheduler_config.json", scheduler_config_json());
  write_clip_tokenizer(folder / "tokenizer");
}

void write_clip_tokenizer(const fs::path& folder, const std::string& pad_token) {
  make_folder(folder);
  const fs::path vocab = assets_folder() / "clip-tokenizer";
  write_text(folder / "vocab.json", read_text(vocab / "vocab.json"));
  write_text(folder / "merges.txt", read_text(vocab / "merges.txt"));
  const nlohmann::json special = {{"bos_token", "<|startoftext|>"},
                                  {"eos_token", "<|endoftext|>"},
                                  {"pad_token", pad_token},
                                  {"unk_token", "<|endoftext|>"}};
  write_json(folder / "special_tokens_map.json", special);
  nlohmann::json config = special;
  config["model_max_length"] = 77;
  config["do_lower_case"] = true;
  config["tokenizer_class"] = "CLIPTokenizer";
  write_json(folder / "tokenizer_config.json", config);
}

}  // namespace palette::training
