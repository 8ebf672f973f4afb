// TAESD, the tiny distilled autoencoder (diffusers' AutoencoderTiny): a cheap stand-in for the SD VAE,
// used for live preview frames.
//
//   auto taesd = palette::load_taesd("taesd", torch::dtype(torch::kHalf).device(torch::kCUDA));
//   torch::NoGradGuard no_grad;
//   torch::Tensor rgb = taesd->decode_to_unit(latents);  // UNet-scale latents -> [0,1] image
//   torch::Tensor z = taesd->encode(image);              // [-1,1] image -> UNet-scale latents
//
// Conventions, checked against the reference fixture: latents are in UNet scale — what the
// scheduler holds — so no 0.18215 factor is applied by the caller (the config's scaling_factor and
// shift_factor, 1 and 0 for SD's TAESD, are applied inside). encode/decode use diffusers' image range
// [-1,1], the same as the full VAE's, so the two decoders are interchangeable; the *_unit variants
// speak TAESD's native [0,1].
// Failures: configs, checkpoints and inputs that do not fit throw palette::Error naming the file,
// key, tensor or problem.
// Thread safety: a loaded model holds no per-call state; encode/decode may run from several threads at
// once. Loading, to() and load_weights must not overlap with anything else.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/json_config.h"
#include "kernels/fused_ops.h"
#include "models/module_weights.h"

namespace palette {

struct TaesdConfig {
  int64_t in_channels = 3;   // image channels
  int64_t out_channels = 3;  // decoded image channels
  int64_t latent_channels = 4;
  std::vector<int64_t> encoder_block_out_channels = {64, 64, 64, 64};
  std::vector<int64_t> decoder_block_out_channels = {64, 64, 64, 64};
  std::vector<int64_t> num_encoder_blocks = {1, 3, 3, 3};
  std::vector<int64_t> num_decoder_blocks = {3, 3, 3, 1};
  std::string act_fn = "relu";          // relu, silu (= swish), gelu, mish
  std::string upsample_fn = "nearest";  // nearest or bilinear
  int64_t upsampling_scaling_factor = 2;
  double scaling_factor = 1.0;  // UNet latent = (encoder output - shift_factor) * scaling_factor
  double shift_factor = 0.0;

  // Reads an AutoencoderTiny config.json. The channel and block lists and latent_channels are
  // required; the rest fall back to diffusers' defaults. Throws palette::Error naming the file and
  // the key when one is missing, mistyped, inconsistent or names another model class.
  static TaesdConfig from_json(const JsonConfig& json);
};

// An activation picked by name at run time, so the layer lists stay plain Sequentials whose
// indices match the checkpoint's.
class TaesdActivationImpl : public torch::nn::Module {
 public:
  explicit TaesdActivationImpl(const std::string& name) : name_(name) {}
  torch::Tensor forward(const torch::Tensor& x);

 private:
  std::string name_;
};
TORCH_MODULE(TaesdActivation);

// Three 3×3 convolutions with a residual connection and a final ReLU; shape-preserving in space.
class TaesdBlockImpl : public torch::nn::Module, public fused::Caller {
 public:
  TaesdBlockImpl(int64_t in_channels, int64_t out_channels, const std::string& act_fn);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Sequential conv{nullptr};
  torch::nn::Conv2d skip{nullptr};  // only when the channel count changes, as in the checkpoints

 private:
  // conv's three convolutions, typed, for the fused channels-last path (ReLU blocks, CUDA inference):
  // each bias, the residual and the ReLU then cost no separate broadcast passes.
  torch::nn::Conv2d c1_{nullptr}, c2_{nullptr}, c3_{nullptr};
  bool relu_ = false;
};
TORCH_MODULE(TaesdBlock);

class TaesdEncoderImpl : public torch::nn::Module {
 public:
  explicit TaesdEncoderImpl(const TaesdConfig& config);
  // (B, in_channels, H, W) in [0,1] -> raw encoder output (B, latent_channels, ⌈H/2^(n-1)⌉, …).
  torch::Tensor forward(const torch::Tensor& x) { return layers->forward(x); }

  torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(TaesdEncoder);

class TaesdDecoderImpl : public torch::nn::Module {
 public:
  explicit TaesdDecoderImpl(const TaesdConfig& config);
  // Raw decoder input (B, latent_channels, h, w) -> (B, out_channels, h·f^(n-1), w·f^(n-1)), nominally
  // [0,1] but not clamped.
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(TaesdDecoder);

class TaesdImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit TaesdImpl(const TaesdConfig& config);

  // latents: (B, latent_channels, h, w) in UNet scale, any floating dtype matching the model's.
  // Returns (B, out_channels, 8h, 8w) (for SD's config) in [-1,1], not clamped: bit-for-bit the
  // convention of diffusers' AutoencoderTiny.decode and of the full VAE decoder.
  torch::Tensor decode(const torch::Tensor& latents);
  // As decode, but in [0,1] and clamped there: ready to show or quantise to 8 bits.
  torch::Tensor decode_to_unit(const torch::Tensor& latents);

  // images: (B, in_channels, H, W) in [-1,1]. Returns UNet-scale latents (B, latent_channels, H/8,
  // W/8) (rounded up for sizes not divisible by 8), as diffusers' AutoencoderTiny.encode.
  torch::Tensor encode(const torch::Tensor& images);
  // As encode, for images in [0,1].
  torch::Tensor encode_from_unit(const torch::Tensor& images);

  const TaesdConfig& config() const { return config_; }

  TaesdEncoder encoder{nullptr};
  TaesdDecoder decoder{nullptr};

 private:
  void check_input(const torch::Tensor& x, int64_t channels, const char* what) const;

  TaesdConfig config_;
};
TORCH_MODULE(Taesd);

// Reads `folder`/config.json (validated before any weight is read) and
// `folder`/diffusion_pytorch_model.safetensors (encoder.layers.* and decoder.layers.*), and returns a
// model in eval mode converted to `options`' dtype and device (float32 / CPU where unset). The
// caller owns the result. Throws palette::Error naming the file at fault.
Taesd load_taesd(const std::filesystem::path& folder, const torch::TensorOptions& options = {});

}  // namespace palette
