// The Stable Diffusion denoiser: diffusers' UNet2DConditionModel, built from its config.json, with a
// module tree that mirrors the checkpoint's tensor names (conv_in, time_embedding.linear_1,
// down_blocks.0.resnets.0.conv1, …), so weights load by name:
//
//   auto config = palette::UNetConfig::from_json(palette::JsonConfig::load(dir / "unet/config.json"));
//   palette::UNet2DConditionModel unet(config);          // validates, then builds (random weights)
//   auto file = palette::SafetensorsFile::open(dir / "unet/diffusion_pytorch_model.safetensors");
//   palette::load_weights(*unet, file.load_all(), file.path().string());
//   unet->to(torch::kCUDA, torch::kHalf);
//   torch::NoGradGuard no_grad;
//   auto eps = unet->forward(latents, timesteps, text_embeddings);   // (B,4,h,w)
//
// Failures: the constructor throws palette::Error for an invalid config; forward throws palette::Error
// for inputs of the wrong rank or channel count or a timestep count that is neither 1 nor B.
// Thread safety: forward changes nothing in the module; once weights are loaded, several threads may
// run it at once (one loaded model serves many engines).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "models/unet/regional_attention.h"
#include "models/unet/unet_blocks.h"
#include "models/unet/unet_conditions.h"
#include "models/unet/unet_config.h"

namespace palette {

// diffusers' get_timestep_embedding: sinusoidal features of `timesteps` (N,) of any real or integer
// dtype, as float32 (N, dim) on the timesteps' device — always float32, whatever the model's dtype.
torch::Tensor timestep_embedding(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos,
                                 double freq_shift);

// time_embedding: linear_1, SiLU, linear_2, with the optional cond_proj of LCM-distilled UNets.
class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  TimestepEmbeddingImpl(int64_t in_channels, int64_t embed_dim, int64_t cond_proj_dim);
  // features (B,in) in the module's dtype; condition (B,cond_proj_dim) or undefined. Returns (B,embed_dim).
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& condition = {});

  torch::nn::Linear linear_1{nullptr}, linear_2{nullptr}, cond_proj{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

class UNet2DConditionModelImpl : public torch::nn::Module, public fused::Caller {
 public:
  // Validates `config` (throws palette::Error) and builds the modules with default-initialised weights.
  explicit UNet2DConditionModelImpl(const UNetConfig& config);

  // Predicts the model output (noise, or v for v-prediction checkpoints) for a noisy latent.
  //   sample (B,in_channels,h,w): any h, w ≥ 1 (sides not divisible by 8 are handled as diffusers does);
  //   timesteps: 0-dim, (1,) or (B,) — one timestep for all items or one per item — of any real or
  //     integer dtype, on any device;
  //   encoder_hidden_states (B,M,cross_attention_dim), in sample's dtype;
  //   conditions: see UNetConditions (an SDXL UNet throws palette::Error without its added conditions
  //     or with time ids of the wrong length).
  // Returns (B,out_channels,h,w) in sample's dtype, on sample's device.
  torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                        const torch::Tensor& encoder_hidden_states, const UNetConditions& conditions = {});
  // The same with regional cross-attention (models/unet/regional_attention.h): `regional` made by
  // regional_context for sample's h×w, its contexts' groups dividing B and its masks for 1 or B items.
  // Throws palette::Error for a context that does not fit the sample.
  torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timesteps, const RegionalContext& regional,
                        const UNetConditions& conditions = {});
  // A regional context for latents of masks' size at every resolution this UNet attends at.
  // contexts (G, p, M, cross_attention_dim); masks (Bm, p, 1, h, w) ≥ 0. Throws palette::Error naming
  // the argument for wrong shapes.
  RegionalContext regional_context(const torch::Tensor& contexts, const torch::Tensor& masks) const;

  const UNetConfig& config() const { return config_; }

  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  TimestepEmbedding time_embedding{nullptr};
  TimestepEmbedding add_embedding{nullptr};  // SDXL: the pooled text and the time ids' sinusoids (text_time)
  torch::nn::ModuleList down_blocks{nullptr}, up_blocks{nullptr};
  UNetMidBlock mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};

 private:
  // SiLU of the time embedding for every item, in sample's dtype: (B,time_embed_dim).
  torch::Tensor forward_with(const torch::Tensor& sample, const torch::Tensor& timesteps, const CrossContext& context,
                             const UNetConditions& conditions);
  torch::Tensor activated_time_embedding(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                         const UNetConditions& conditions);
  // SDXL's add_embedding of the pooled text and the time ids, (B,time_embed_dim) in `dtype`.
  torch::Tensor added_embedding(const UNetConditions& conditions, int64_t batch, torch::ScalarType dtype);
  void build_down_and_mid();
  void build_up();

  UNetConfig config_;
  std::vector<UNetDownBlock> down_list_;
  std::vector<UNetUpBlock> up_list_;
};
TORCH_MODULE(UNet2DConditionModel);

}  // namespace palette
