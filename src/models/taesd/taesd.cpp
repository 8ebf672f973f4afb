#include "models/taesd/taesd.h"

#include <cmath>

#include "kernels/fused_ops.h"
#include "models/config_limits.h"
#include "models/out_of_memory.h"

#include "palette/error.h"
#include "palette/safetensors.h"

namespace palette {

namespace {

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1, bool bias = true) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).stride(stride).bias(bias));
}

void require_list(const JsonConfig& json, const std::string& key, const std::vector<int64_t>& values,
                  size_t count, config_limits::Range range) {
  if (values.size() < size_t(config_limits::kBlocks.low) || values.size() > size_t(config_limits::kBlocks.high))
    json.fail(key, "has " + std::to_string(values.size()) + " entries, expected " +
                       std::to_string(config_limits::kBlocks.low) + "…" + std::to_string(config_limits::kBlocks.high));
  if (values.size() != count)
    json.fail(key, "must have " + std::to_string(count) + " entries, one per stage, not " +
                       std::to_string(values.size()));
  for (auto v : values) config_limits::check(json.where(), key, v, range);
}

void require_in(const JsonConfig& json, const std::string& key, int64_t value, config_limits::Range range) {
  config_limits::check(json.where(), key, value, range);
}

// UNet scale <-> the autoencoder's own latent scale. Identities are skipped so the default config
// reproduces diffusers exactly, without even a rounding step.
torch::Tensor decoder_input(const torch::Tensor& latents, const TaesdConfig& c) {
  auto z = latents;
  if (c.scaling_factor != 1.0) z = z / c.scaling_factor;
  if (c.shift_factor != 0.0) z = z + c.shift_factor;
  return z;
}

torch::Tensor unet_latents(const torch::Tensor& encoded, const TaesdConfig& c) {
  auto z = encoded;
  if (c.shift_factor != 0.0) z = z - c.shift_factor;
  if (c.scaling_factor != 1.0) z = z * c.scaling_factor;
  return z;
}

}  // namespace

TaesdConfig TaesdConfig::from_json(const JsonConfig& json) {
  // Pointing the TAESD loader at the full VAE's folder is an easy mistake; say so instead of
  // failing later on tensor names.
  const auto cls = json.string("_class_name", "AutoencoderTiny");
  if (cls != "AutoencoderTiny") json.fail("_class_name", "is \"" + cls + "\", expected \"AutoencoderTiny\"");
  TaesdConfig c;
  c.in_channels = json.integer("in_channels", c.in_channels);
  c.out_channels = json.integer("out_channels", c.out_channels);
  c.latent_channels = json.integer("latent_channels");
  c.encoder_block_out_channels = json.integers("encoder_block_out_channels");
  c.decoder_block_out_channels = json.integers("decoder_block_out_channels");
  c.num_encoder_blocks = json.integers("num_encoder_blocks");
  c.num_decoder_blocks = json.integers("num_decoder_blocks");
  c.act_fn = json.string("act_fn", c.act_fn);
  c.upsample_fn = json.string("upsample_fn", c.upsample_fn);
  c.upsampling_scaling_factor = json.integer("upsampling_scaling_factor", c.upsampling_scaling_factor);
  c.scaling_factor = json.number("scaling_factor", c.scaling_factor);
  c.shift_factor = json.number("shift_factor", c.shift_factor);

  namespace limits = config_limits;
  require_in(json, "in_channels", c.in_channels, limits::kImageChannels);
  require_in(json, "out_channels", c.out_channels, limits::kImageChannels);
  require_in(json, "latent_channels", c.latent_channels, limits::kImageChannels);
  require_in(json, "upsampling_scaling_factor", c.upsampling_scaling_factor, {1, 8});
  const size_t encoder_stages = c.num_encoder_blocks.size(), decoder_stages = c.num_decoder_blocks.size();
  require_list(json, "num_encoder_blocks", c.num_encoder_blocks, encoder_stages, limits::kTaesdBlocks);
  require_list(json, "encoder_block_out_channels", c.encoder_block_out_channels, encoder_stages, limits::kChannels);
  require_list(json, "num_decoder_blocks", c.num_decoder_blocks, decoder_stages, limits::kTaesdBlocks);
  require_list(json, "decoder_block_out_channels", c.decoder_block_out_channels, decoder_stages, limits::kChannels);
  if (c.act_fn != "relu" && c.act_fn != "silu" && c.act_fn != "swish" && c.act_fn != "gelu" &&
      c.act_fn != "mish")
    json.fail("act_fn", "must be one of relu, silu, swish, gelu, mish, not \"" + c.act_fn + "\"");
  if (c.upsample_fn != "nearest" && c.upsample_fn != "bilinear")
    json.fail("upsample_fn", "must be \"nearest\" or \"bilinear\", not \"" + c.upsample_fn + "\"");
  if (c.scaling_factor == 0 || !std::isfinite(c.scaling_factor))
    json.fail("scaling_factor", "must be a finite number other than zero");
  if (!std::isfinite(c.shift_factor)) json.fail("shift_factor", "must be a finite number");
  return c;
}

torch::Tensor TaesdActivationImpl::forward(const torch::Tensor& x) {
  if (name_ == "relu") return torch::relu(x);
  if (name_ == "silu" || name_ == "swish") return torch::silu(x);
  if (name_ == "gelu") return torch::gelu(x);
  return torch::mish(x);
}

TaesdBlockImpl::TaesdBlockImpl(int64_t in_channels, int64_t out_channels, const std::string& act_fn) {
  conv = register_module("conv",
                         torch::nn::Sequential(conv3x3(in_channels, out_channels), TaesdActivation(act_fn),
                                               conv3x3(out_channels, out_channels), TaesdActivation(act_fn),
                                               conv3x3(out_channels, out_channels)));
  if (in_channels != out_channels)
    skip = register_module(
        "skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1).bias(false)));
  c1_ = torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(conv->ptr(0)));
  c2_ = torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(conv->ptr(2)));
  c3_ = torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(conv->ptr(4)));
  relu_ = act_fn == "relu";
}

torch::Tensor TaesdBlockImpl::forward(const torch::Tensor& x) {
  if (relu_ && fused_.applies(x)) {
    torch::Tensor h = fused_.conv2d(c1_, x).relu_();
    h = fused_.conv2d(c2_, h).relu_();
    return fused_.conv2d(c3_, h, skip ? torch::conv2d(x, skip->weight) : x).relu_();
  }
  return torch::relu(conv->forward(x) + (skip ? skip(x) : x));
}

TaesdEncoderImpl::TaesdEncoderImpl(const TaesdConfig& config) {
  layers = register_module("layers", torch::nn::Sequential());
  int64_t channels = config.in_channels;
  for (size_t stage = 0; stage < config.num_encoder_blocks.size(); ++stage) {
    const auto width = config.encoder_block_out_channels[stage];
    // Every stage after the first halves the resolution with a strided, bias-free convolution.
    layers->push_back(stage == 0 ? conv3x3(channels, width) : conv3x3(channels, width, 2, false));
    channels = width;
    for (int64_t i = 0; i < config.num_encoder_blocks[stage]; ++i)
      layers->push_back(TaesdBlock(channels, channels, config.act_fn));
  }
  layers->push_back(conv3x3(channels, config.latent_channels));
}

TaesdDecoderImpl::TaesdDecoderImpl(const TaesdConfig& config) {
  layers = register_module("layers", torch::nn::Sequential());
  const auto& widths = config.decoder_block_out_channels;
  layers->push_back(conv3x3(config.latent_channels, widths[0]));
  layers->push_back(TaesdActivation(config.act_fn));
  const auto f = static_cast<double>(config.upsampling_scaling_factor);
  const size_t stages = config.num_decoder_blocks.size();
  for (size_t stage = 0; stage < stages; ++stage) {
    const auto width = widths[stage];
    const bool last = stage + 1 == stages;
    for (int64_t i = 0; i < config.num_decoder_blocks[stage]; ++i)
      layers->push_back(TaesdBlock(width, width, config.act_fn));
    if (!last) {
      auto options = torch::nn::UpsampleOptions().scale_factor(std::vector<double>{f, f});
      if (config.upsample_fn == "bilinear")
        options.mode(torch::kBilinear).align_corners(false);
      else
        options.mode(torch::kNearest);
      layers->push_back(torch::nn::Upsample(options));
    }
    // The stage's closing convolution feeds the next stage's width; only the output one has a bias.
    const auto next = last ? config.out_channels : widths[stage + 1];
    layers->push_back(conv3x3(width, next, 1, last));
  }
}

torch::Tensor TaesdDecoderImpl::forward(const torch::Tensor& x) {
  // TAESD's soft clamp to ±3: latents far outside the training range cannot blow up the decoder.
  return layers->forward(torch::tanh(x / 3) * 3);
}

TaesdImpl::TaesdImpl(const TaesdConfig& config) : config_(config) {
  encoder = register_module("encoder", TaesdEncoder(config));
  decoder = register_module("decoder", TaesdDecoder(config));
}

void TaesdImpl::check_input(const torch::Tensor& x, int64_t channels, const char* what) const {
  if (!x.defined() || x.dim() != 4 || x.size(1) != channels)
    throw Error(std::string("TAESD: ") + what + " must be (batch, " + std::to_string(channels) +
                ", height, width)" + (x.defined() ? ", not " + c10::str(x.sizes()) : ""));
  if (!x.is_floating_point()) throw Error(std::string("TAESD: ") + what + " must be a floating-point tensor");
}

// With the fused kernels (CUDA inference) the tiny autoencoder runs channels-last: cuDNN's
// convolutions then need no NCHW↔NHWC transposes, and the blocks take their fused path; results
// come back contiguous.
torch::Tensor TaesdImpl::decode_to_unit(const torch::Tensor& latents) {
  check_input(latents, config_.latent_channels, "latents");
  const auto z = decoder_input(latents, config_);
  return decoder(fused_.channels_last_input(z)).contiguous().clamp(0, 1);
}

torch::Tensor TaesdImpl::decode(const torch::Tensor& latents) {
  check_input(latents, config_.latent_channels, "latents");
  const auto z = decoder_input(latents, config_);
  return decoder(fused_.channels_last_input(z)).contiguous().mul(2).sub(1);
}

torch::Tensor TaesdImpl::encode_from_unit(const torch::Tensor& images) {
  check_input(images, config_.in_channels, "images");
  return unet_latents(encoder(fused_.channels_last_input(images)).contiguous(), config_);
}

torch::Tensor TaesdImpl::encode(const torch::Tensor& images) {
  check_input(images, config_.in_channels, "images");
  return encode_from_unit(images.add(1).div(2));
}

Taesd load_taesd(const std::filesystem::path& folder, const torch::TensorOptions& options) {
  const auto config = TaesdConfig::from_json(JsonConfig::load(folder / "config.json"));
  const auto file = SafetensorsFile::open(folder / "diffusion_pytorch_model.safetensors");
  Taesd model(config);
  load_weights(*model, file.load_all(), file.path().string());
  with_memory_errors([&] { model->to(options.device(), options.dtype().toScalarType()); });
  model->eval();
  return model;
}

}  // namespace palette
