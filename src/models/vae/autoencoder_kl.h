// Stable Diffusion's image autoencoder: diffusers' AutoencoderKL, built from its vae/config.json, with a
// module tree that mirrors the checkpoint's tensor names (encoder.down_blocks.0.resnets.0.conv1,
// decoder.mid_block.attentions.0.to_q, quant_conv, post_quant_conv, …):
//
//   auto config = palette::AutoencoderKLConfig::from_json(palette::JsonConfig::load(dir /
//   "vae/config.json")); palette::AutoencoderKL vae(config); auto file = palette::SafetensorsFile::open(dir /
//   "vae/diffusion_pytorch_model.safetensors"); palette::load_weights(*vae, file.load_all(),
//   file.path().string()); torch::NoGradGuard no_grad; auto posterior = vae->encode(image); // image
//   (B,3,H,W) in [-1,1] auto latent = posterior.mean * config.scaling_factor;        // UNet scale auto
//   decoded = vae->decode(latent / config.scaling_factor);  // (B,3,H,W), about [-1,1], not clamped
//
// The SD 1.x/2.x VAE overflows in float16 (config.force_upcast): run it in float32 or bfloat16.
// Failures: the constructor throws palette::Error for an invalid config; encode/decode throw
// palette::Error for inputs of the wrong rank or channel count.
// Thread safety: encode and decode change nothing in the module; once weights are loaded, several
// threads may run them at once.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "io/json_config.h"
#include "models/unet/blocks.h"

namespace palette {

struct AutoencoderKLConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  int64_t latent_channels = 4;
  std::vector<int64_t> block_out_channels = {128, 256, 512, 512};  // encoder order; the decoder reverses it
  int64_t layers_per_block = 2;  // resnets per encoder block; decoder blocks have one more
  int64_t norm_num_groups = 32;
  bool mid_block_add_attention = true;
  bool use_quant_conv = true;
  bool use_post_quant_conv = true;
  double scaling_factor = 0.18215;  // UNet latent = posterior sample × scaling_factor
  double shift_factor = 0;          // subtracted before scaling (0 for SD 1.x/2.x); for the pipeline
  bool force_upcast = true;         // diffusers runs this VAE in float32 even in float16 pipelines
  int64_t sample_size = 512;        // image side it was trained at; informational

  // Reads and validates a diffusers AutoencoderKL config. Throws palette::Error naming the file and the
  // key for a missing structural key, a wrong type, an unknown block type or an unsupported activation.
  static AutoencoderKLConfig from_json(const JsonConfig& json);
  // Checks the fields' consistency; throws palette::Error naming `where` and the field.
  void validate(const std::string& where = "VAE config") const;
  // Image pixels per latent pixel along each side: 2^(blocks − 1), 8 for Stable Diffusion.
  int64_t downscale_factor() const { return int64_t{1} << (block_out_channels.size() - 1); }
};

// The encoder's diagonal Gaussian over latents (before scaling_factor).
struct GaussianPosterior {
  torch::Tensor mean;    // (B,latent_channels,H/f,W/f), f = downscale_factor()
  torch::Tensor logvar;  // same shape, clamped to [-30, 20] as diffusers does
  // mean + exp(logvar / 2) · noise, with noise of mean's shape: a posterior sample.
  torch::Tensor sample(const torch::Tensor& noise) const { return mean + torch::exp(0.5 * logvar) * noise; }
};

// UNetMidBlock2D without time embedding: resnet, (self-attention with group_norm, resnet).
class VaeMidBlockImpl : public torch::nn::Module {
 public:
  VaeMidBlockImpl(int64_t channels, int64_t groups, bool add_attention);
  torch::Tensor forward(const torch::Tensor& x);  // (B,C,H,W) → same

  torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

 private:
  std::vector<ResnetBlock2D> resnet_list_;
  Attention attention_{nullptr};
};
TORCH_MODULE(VaeMidBlock);

// DownEncoderBlock2D (resnets, then downsamplers.0) or UpDecoderBlock2D (resnets, then upsamplers.0).
class VaeBlockImpl : public torch::nn::Module {
 public:
  enum class Sampler { none, down, up };
  VaeBlockImpl(int64_t in_channels, int64_t out_channels, int64_t layers, int64_t groups, Sampler sampler);
  // (B,in,H,W) → (B,out,H',W'): H' = floor(H/2) after a downsampler, 2H after an upsampler, else H.
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::ModuleList resnets{nullptr}, downsamplers{nullptr}, upsamplers{nullptr};

 private:
  std::vector<ResnetBlock2D> resnet_list_;
  Downsample2D downsampler_{nullptr};
  Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(VaeBlock);

class VaeEncoderImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit VaeEncoderImpl(const AutoencoderKLConfig& config);
  torch::Tensor forward(const torch::Tensor& image);  // (B,in,H,W) → moments (B,2·latent,H/f,W/f)

  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList down_blocks{nullptr};
  VaeMidBlock mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};

 private:
  std::vector<VaeBlock> block_list_;
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit VaeDecoderImpl(const AutoencoderKLConfig& config);
  torch::Tensor forward(const torch::Tensor& z);  // (B,latent,h,w) → (B,out,h·f,w·f)

  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  VaeMidBlock mid_block{nullptr};
  torch::nn::ModuleList up_blocks{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};

 private:
  std::vector<VaeBlock> block_list_;
};
TORCH_MODULE(VaeDecoder);

class AutoencoderKLImpl : public torch::nn::Module {
 public:
  // Validates `config` (throws palette::Error) and builds the modules with default-initialised weights.
  explicit AutoencoderKLImpl(const AutoencoderKLConfig& config);

  // image (B,in_channels,H,W) in [-1,1], H and W multiples of f = downscale_factor() → the posterior
  // over latents (B,latent_channels,H/f,W/f), in image's dtype. Not yet multiplied by scaling_factor.
  GaussianPosterior encode(const torch::Tensor& image);
  // latent (B,latent_channels,h,w), already divided by scaling_factor → image (B,out_channels,h·f,w·f)
  // in latent's dtype, about [-1,1] and not clamped.
  torch::Tensor decode(const torch::Tensor& latent);

  const AutoencoderKLConfig& config() const { return config_; }
  double scaling_factor() const { return config_.scaling_factor; }

  VaeEncoder encoder{nullptr};
  VaeDecoder decoder{nullptr};
  torch::nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};  // null when the config disables them

 private:
  AutoencoderKLConfig config_;
};
TORCH_MODULE(AutoencoderKL);

}  // namespace palette
