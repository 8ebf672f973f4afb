// Model::random: the networks of a model built from configs alone, with seeded random weights, so the
// benchmarks can run real Stable Diffusion shapes on machines that hold no pretrained weights.
#include <torch/torch.h>

#include "io/json_config.h"
#include "kernels/fused_ops.h"
#include "models/model_parts.h"
#include "palette/error.h"

namespace palette {

namespace {

using nlohmann::json;

json repeated(const std::string& value, int n) { return json(std::vector<std::string>(size_t(n), value)); }

template <class Module, class Config>
Module build(const json& config, const std::string& name, const ModelOptions& o) {
  Module module(Config::from_json(JsonConfig(config, "random " + name + " config")));
  module->to(o.device, o.dtype);
  module->eval();
  // Frozen as loaded models are: gradients (SyncDiffusion) flow to the latents only.
  for (auto& p : module->parameters()) p.set_requires_grad(false);
  return module;
}

}  // namespace

RandomModelConfigs RandomModelConfigs::sd15() {
  RandomModelConfigs c;
  c.unet = {{"_class_name", "UNet2DConditionModel"},
            {"act_fn", "silu"},
            {"attention_head_dim", 8},
            {"block_out_channels", {320, 640, 1280, 1280}},
            {"cross_attention_dim", 768},
            {"down_block_types", {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"}},
            {"up_block_types", {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}},
            {"downsample_padding", 1},
            {"flip_sin_to_cos", true},
            {"freq_shift", 0},
            {"in_channels", 4},
            {"out_channels", 4},
            {"layers_per_block", 2},
            {"mid_block_scale_factor", 1},
            {"norm_eps", 1e-5},
            {"norm_num_groups", 32},
            {"sample_size", 64}};
  c.vae = {{"_class_name", "AutoencoderKL"},
           {"act_fn", "silu"},
           {"block_out_channels", {128, 256, 512, 512}},
           {"down_block_types", repeated("DownEncoderBlock2D", 4)},
           {"up_block_types", repeated("UpDecoderBlock2D", 4)},
           {"in_channels", 3},
           {"out_channels", 3},
           {"latent_channels", 4},
           {"layers_per_block", 2},
           {"norm_num_groups", 32},
           {"sample_size", 512},
           {"scaling_factor", 0.18215}};
  c.text_encoder = {{"architectures", {"CLIPTextModel"}},
                    {"hidden_act", "quick_gelu"},
                    {"hidden_size", 768},
                    {"intermediate_size", 3072},
                    {"layer_norm_eps", 1e-5},
                    {"max_position_embeddings", 77},
                    {"model_type", "clip_text_model"},
                    {"num_attention_heads", 12},
                    {"num_hidden_layers", 12},
                    {"projection_dim", 768},
                    {"vocab_size", 49408},
                    {"bos_token_id", 0},
                    {"eos_token_id", 2},
                    {"pad_token_id", 1}};
  return c;
}

RandomModelConfigs RandomModelConfigs::sdxl() {
  RandomModelConfigs c = sd15();  // what SDXL changes of SD 1.5's configs
  c.unet.update({{"addition_embed_type", "text_time"},
                 {"addition_time_embed_dim", 256},
                 {"attention_head_dim", {5, 10, 20}},
                 {"block_out_channels", {320, 640, 1280}},
                 {"cross_attention_dim", 2048},
                 {"down_block_types", {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"}},
                 {"up_block_types", {"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"}},
                 {"projection_class_embeddings_input_dim", 2816},  // pooled 1280 + 6 time ids × 256
                 {"sample_size", 128},
                 {"transformer_layers_per_block", {1, 2, 10}},
                 {"use_linear_projection", true}});
  c.vae.update({{"scaling_factor", 0.13025}, {"sample_size", 1024}, {"force_upcast", true}});
  c.text_encoder_2 = c.text_encoder;  // OpenCLIP ViT-bigG/14 in the CLIP layout, with its projection
  c.text_encoder_2.update({{"architectures", {"CLIPTextModelWithProjection"}},
                           {"hidden_act", "gelu"},
                           {"hidden_size", 1280},
                           {"intermediate_size", 5120},
                           {"num_attention_heads", 20},
                           {"num_hidden_layers", 32},
                           {"projection_dim", 1280},
                           {"bos_token_id", 49406},
                           {"eos_token_id", 49407}});
  return c;
}

Model Model::random(const RandomModelConfigs& configs, const ModelOptions& options) {
  if (!options.config_dir.empty() || !options.taesd.empty() || !options.loras.empty())
    throw Error("a random model takes no config folder, TAESD folder or LoRA");
  if (options.dtype != torch::kFloat32 && !options.device.is_cuda())
    throw Error(std::string(c10::toString(options.dtype)) + " weights need a CUDA device; on the CPU use float32");
  if (options.device.is_cuda() && !torch::cuda::is_available()) throw Error("CUDA was requested but no CUDA device is usable");
  torch::manual_seed(configs.seed);

  auto parts = std::make_shared<ModelParts>();
  const bool xl = !configs.text_encoder_2.is_null();
  parts->family = xl ? ModelFamily::Sdxl
                     : configs.unet.value("cross_attention_dim", json(768)) == json(1024) ? ModelFamily::Sd2 : ModelFamily::Sd1;
  parts->device = options.device;
  parts->dtype = options.dtype;
  parts->scheduler_config = configs.scheduler.is_null() ? default_scheduler_config(parts->family) : configs.scheduler;
  // The bundled CLIP vocabulary, as for a single-file checkpoint.
  parts->tokenizer = bundled_clip_tokenizer(parts->family);
  parts->text_encoder = build<ClipTextModel, ClipTextConfig>(configs.text_encoder, "text_encoder", options);
  if (xl) {
    // The second tokenizer pads with "!", as SDXL's tokenizer_2 (and SD 2.x's) does.
    parts->tokenizer_2 = bundled_clip_tokenizer(ModelFamily::Sd2);
    parts->text_encoder_2 = build<ClipTextModel, ClipTextConfig>(configs.text_encoder_2, "text_encoder_2", options);
    parts->force_zeros_for_empty_prompt = true;
  }
  parts->unet = build<UNet2DConditionModel, UNetConfig>(configs.unet, "unet", options);
  fused::use_kernels(*parts->unet, options.fused_kernels);
  ModelOptions vae_options = options;  // as Model::load: SDXL's VAE is not run in float16
  vae_options.dtype = vae_dtype(parts->family, options, configs.vae.value("force_upcast", true));
  parts->vae = build<AutoencoderKL, AutoencoderKLConfig>(configs.vae, "vae", vae_options);
  fused::use_kernels(*parts->vae, options.fused_kernels);
  if (configs.taesd) {
    parts->taesd = Taesd(TaesdConfig{});
    parts->taesd->to(options.device, options.dtype);
    fused::use_kernels(*parts->taesd, options.fused_kernels);
    parts->taesd->eval();
    for (auto& p : parts->taesd->parameters()) p.set_requires_grad(false);
  }

  auto info = std::make_shared<ModelInfo>();
  info->family = family_name(parts->family);
  info->format = "random weights (seed " + std::to_string(configs.seed) + ")";
  info->device = options.device.str();
  info->dtype = c10::toString(options.dtype);
  if (xl) info->native.side = 1024;
  const auto add = [&](const std::string& name, const torch::nn::Module& m) {
    info->components.push_back({name, "memory", c10::toString(options.dtype), parameter_count(m), "random"});
  };
  add("text_encoder", *parts->text_encoder);
  if (xl) add("text_encoder_2", *parts->text_encoder_2);
  add("unet", *parts->unet);
  add("vae", *parts->vae);
  if (configs.taesd) add("taesd", *parts->taesd);

  Model model;
  model.parts_ = std::move(parts);
  model.info_ = std::move(info);
  return model;
}

}  // namespace palette
