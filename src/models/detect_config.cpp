#include "models/detect_config.h"

#include <set>

#include "palette/error.h"

namespace palette {

namespace {

const torch::Tensor& need(const TensorMap& m, const std::string& name, const std::string& source) {
  auto it = m.find(name);
  if (it == m.end()) throw Error("'" + source + "': cannot detect the architecture: no tensor '" + name + "'");
  return it->second;
}

bool has_prefix(const TensorMap& m, const std::string& prefix) {
  auto it = m.lower_bound(prefix);
  return it != m.end() && it->first.rfind(prefix, 0) == 0;
}

int count_children(const TensorMap& m, const std::string& prefix) {
  int n = 0;
  while (has_prefix(m, prefix + std::to_string(n) + ".")) ++n;
  return n;
}

}  // namespace

std::string family_name(ModelFamily family) {
  switch (family) {
    case ModelFamily::Sd1: return "SD 1.x";
    case ModelFamily::Sd2: return "SD 2.x";
    case ModelFamily::Sdxl: return "SDXL";
  }
  return "unknown";
}

nlohmann::json detect_unet_config(const TensorMap& unet, ModelFamily family, const std::string& source,
                                  int64_t pooled_dim) {
  const int levels = count_children(unet, "down_blocks.");
  if (levels == 0) throw Error("'" + source + "': cannot detect the UNet: no down_blocks");
  std::vector<int64_t> channels, heads;
  std::vector<int> depths;
  std::vector<std::string> down_types, up_types;
  for (int i = 0; i < levels; ++i) {
    const std::string block = "down_blocks." + std::to_string(i) + ".";
    const int64_t c = need(unet, block + "resnets.0.conv1.weight", source).size(0);
    channels.push_back(c);
    const bool attention = has_prefix(unet, block + "attentions.");
    down_types.push_back(attention ? "CrossAttnDownBlock2D" : "DownBlock2D");
    // SD 1.x fixes 8 heads; SD 2.x and SDXL fix the head width at 64.
    heads.push_back(family == ModelFamily::Sd1 ? 8 : std::max<int64_t>(1, c / 64));
    // SDXL's transformer depth differs per level (1, 2, 10); a level without attention counts 1, as in diffusers.
    depths.push_back(attention ? std::max(1, count_children(unet, block + "attentions.0.transformer_blocks.")) : 1);
  }
  for (int i = 0; i < levels; ++i)
    up_types.push_back(has_prefix(unet, "up_blocks." + std::to_string(i) + ".attentions.") ? "CrossAttnUpBlock2D"
                                                                                          : "UpBlock2D");
  nlohmann::json config = {
      {"_class_name", "UNet2DConditionModel"},
      {"in_channels", need(unet, "conv_in.weight", source).size(1)},
      {"out_channels", need(unet, "conv_out.weight", source).size(0)},
      {"block_out_channels", channels},
      {"down_block_types", down_types},
      {"up_block_types", up_types},
      {"layers_per_block", count_children(unet, "down_blocks.0.resnets.")},
      // SD 1.x's published config says 8 (heads, in diffusers' legacy reading); SD 2.x lists one per block.
      {"attention_head_dim", family == ModelFamily::Sd1 ? nlohmann::json(8) : nlohmann::json(heads)},
      {"norm_num_groups", 32},
      {"sample_size", 64},
      {"flip_sin_to_cos", true},
      {"freq_shift", 0},
      {"upcast_attention", family == ModelFamily::Sd2},
  };
  std::string attn2;
  for (const auto& [name, t] : unet)
    if (name.find(".attn2.to_k.weight") != std::string::npos) {
      attn2 = name;
      break;
    }
  if (!attn2.empty()) {
    config["cross_attention_dim"] = unet.at(attn2).size(1);
    const std::string proj_in = attn2.substr(0, attn2.find(".transformer_blocks.")) + ".proj_in.weight";
    config["use_linear_projection"] = need(unet, proj_in, source).dim() == 2;
  }
  if (unet.count("time_embedding.cond_proj.weight"))
    config["time_cond_proj_dim"] = unet.at("time_embedding.cond_proj.weight").size(1);
  if (family == ModelFamily::Sdxl) {
    // The text_time embedding reads the pooled text and six time ids, each as addition_time_embed_dim
    // sinusoids: its input width minus the pooled width (the second encoder's projection) over six.
    const int64_t in = need(unet, "add_embedding.linear_1.weight", source).size(1);
    if (pooled_dim <= 0 || in <= pooled_dim || (in - pooled_dim) % 6 != 0)
      throw Error("'" + source + "': add_embedding.linear_1 reads " + std::to_string(in) +
                  " values, which are not the pooled text (" + std::to_string(pooled_dim) + ") and six time ids");
    config["addition_embed_type"] = "text_time";
    config["addition_time_embed_dim"] = (in - pooled_dim) / 6;
    config["projection_class_embeddings_input_dim"] = in;
    config["transformer_layers_per_block"] = depths;
    config["sample_size"] = 128;
  }
  return config;
}

nlohmann::json detect_vae_config(const TensorMap& vae, ModelFamily family, const std::string& source) {
  const int levels = count_children(vae, "encoder.down_blocks.");
  if (levels == 0) throw Error("'" + source + "': cannot detect the VAE: no encoder.down_blocks");
  std::vector<int64_t> channels;
  for (int i = 0; i < levels; ++i)
    channels.push_back(need(vae, "encoder.down_blocks." + std::to_string(i) + ".resnets.0.conv1.weight", source).size(0));
  return {
      {"_class_name", "AutoencoderKL"},
      {"in_channels", need(vae, "encoder.conv_in.weight", source).size(1)},
      {"out_channels", need(vae, "decoder.conv_out.weight", source).size(0)},
      {"latent_channels", need(vae, "quant_conv.weight", source).size(0) / 2},
      {"block_out_channels", channels},
      {"down_block_types", std::vector<std::string>(levels, "DownEncoderBlock2D")},
      {"up_block_types", std::vector<std::string>(levels, "UpDecoderBlock2D")},
      {"layers_per_block", count_children(vae, "encoder.down_blocks.0.resnets.")},
      {"norm_num_groups", 32},
      // SDXL's VAE was trained anew, with its own latent scale; it overflows in float16.
      {"scaling_factor", family == ModelFamily::Sdxl ? 0.13025 : 0.18215},
      {"force_upcast", family == ModelFamily::Sdxl},
  };
}

nlohmann::json detect_text_encoder_config(const TensorMap& text, ModelFamily family, const std::string& source) {
  const auto& tokens = need(text, "text_model.embeddings.token_embedding.weight", source);
  const int64_t hidden = tokens.size(1);
  return {
      {"architectures", {"CLIPTextModel"}},
      // OpenAI's CLIP ViT-L (SD 1.x, SDXL's first encoder) uses quick_gelu; OpenCLIP gelu.
      {"hidden_act", family == ModelFamily::Sd2 ? "gelu" : "quick_gelu"},
      {"hidden_size", hidden},
      {"intermediate_size", need(text, "text_model.encoder.layers.0.mlp.fc1.weight", source).size(0)},
      {"num_attention_heads", std::max<int64_t>(1, hidden / 64)},  // CLIP-L and OpenCLIP-H: 64-wide heads
      {"num_hidden_layers", count_children(text, "text_model.encoder.layers.")},
      {"max_position_embeddings", need(text, "text_model.embeddings.position_embedding.weight", source).size(0)},
      {"vocab_size", tokens.size(0)},
      {"layer_norm_eps", 1e-5},
  };
}

nlohmann::json detect_text_encoder_2_config(const TensorMap& text, const std::string& source) {
  nlohmann::json config = detect_text_encoder_config(text, ModelFamily::Sd2, source);
  config["architectures"] = {"CLIPTextModelWithProjection"};
  config["projection_dim"] = need(text, "text_projection.weight", source).size(0);
  return config;
}

nlohmann::json default_scheduler_config(ModelFamily family) {
  if (family == ModelFamily::Sdxl)  // what SDXL base ships with
    return {{"_class_name", "EulerDiscreteScheduler"}, {"num_train_timesteps", 1000}, {"beta_start", 0.00085},
            {"beta_end", 0.012}, {"beta_schedule", "scaled_linear"}, {"steps_offset", 1},
            {"prediction_type", "epsilon"}, {"timestep_spacing", "leading"}, {"interpolation_type", "linear"}};
  // The DDIM/PNDM configuration both SD families ship with; SD 2.x 768-px "v" models differ only in
  // prediction_type, which the weights cannot reveal (ModelOptions lets the user say).
  return {{"_class_name", "DDIMScheduler"}, {"num_train_timesteps", 1000},  {"beta_start", 0.00085},
          {"beta_end", 0.012},              {"beta_schedule", "scaled_linear"}, {"steps_offset", 1},
          {"clip_sample", false},           {"set_alpha_to_one", false},     {"prediction_type", "epsilon"},
          {"timestep_spacing", "leading"}};
}

}  // namespace palette
