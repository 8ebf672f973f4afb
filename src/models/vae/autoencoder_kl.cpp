#include "models/vae/autoencoder_kl.h"

#include <cmath>
#include <sstream>

#include "kernels/fused_ops.h"
#include "models/config_limits.h"
#include "base/json_brief.h"
#include "palette/error.h"

namespace palette {

namespace nn = torch::nn;

namespace {

// diffusers fixes the epsilon of every GroupNorm in this VAE at 1e-6.
constexpr double kVaeNormEps = 1e-6;

[[noreturn]] void config_error(const std::string& where, const std::string& key, const std::string& problem) {
  throw Error("'" + where + "': \"" + key + "\" " + brief_text(problem, 240));
}

void check_types(const JsonConfig& json, const std::string& key, const std::string& expected) {
  for (const auto& type : json.strings(key))
    if (type != expected)
      json.fail(key, "has unsupported block type \"" + type + "\" (supported: " + expected + ")");
}

void check_image(const torch::Tensor& x, int64_t channels, const char* what) {
  if (x.dim() == 4 && x.size(1) == channels) return;
  std::ostringstream shape;
  shape << x.sizes();
  throw Error(std::string("VAE: ") + what + " must be (B," + std::to_string(channels) + ",H,W), not " +
              shape.str());
}

nn::GroupNorm group_norm(int64_t groups, int64_t channels) {
  return nn::GroupNorm(nn::GroupNormOptions(groups, channels).eps(kVaeNormEps));
}

nn::Conv2d conv3x3(int64_t in, int64_t out) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1));
}

}  // namespace

AutoencoderKLConfig AutoencoderKLConfig::from_json(const JsonConfig& json) {
  if (json.has("_class_name") && json.string("_class_name") != "AutoencoderKL")
    json.fail("_class_name", "is \"" + json.string("_class_name") + "\", expected \"AutoencoderKL\"");
  const std::string act = json.string("act_fn", "silu");
  if (act != "silu" && act != "swish") json.fail("act_fn", "is \"" + act + "\"; only \"silu\" is supported");
  AutoencoderKLConfig c;
  c.in_channels = json.integer("in_channels");
  c.out_channels = json.integer("out_channels");
  c.latent_channels = json.integer("latent_channels");
  c.block_out_channels = json.integers("block_out_channels");
  check_types(json, "down_block_types", "DownEncoderBlock2D");
  check_types(json, "up_block_types", "UpDecoderBlock2D");
  const size_t n = c.block_out_channels.size();
  if (json.strings("down_block_types").size() != n || json.strings("up_block_types").size() != n)
    json.fail("down_block_types", "and \"up_block_types\" must have one entry per block_out_channels entry");
  c.layers_per_block = json.integer("layers_per_block");
  c.norm_num_groups = json.integer("norm_num_groups", c.norm_num_groups);
  c.mid_block_add_attention = json.boolean("mid_block_add_attention", c.mid_block_add_attention);
  c.use_quant_conv = json.boolean("use_quant_conv", c.use_quant_conv);
  c.use_post_quant_conv = json.boolean("use_post_quant_conv", c.use_post_quant_conv);
  c.scaling_factor = json.number("scaling_factor", c.scaling_factor);
  c.shift_factor = json.number("shift_factor", 0.0);
  c.force_upcast = json.boolean("force_upcast", c.force_upcast);
  c.sample_size = json.integer("sample_size", c.sample_size);
  c.validate(json.where());
  return c;
}

void AutoencoderKLConfig::validate(const std::string& where) const {
  namespace limits = config_limits;
  const size_t n = block_out_channels.size();
  if (n < size_t(limits::kBlocks.low) || n > size_t(limits::kBlocks.high))
    config_error(where, "block_out_channels",
                 "has " + std::to_string(n) + " entries, expected " + std::to_string(limits::kBlocks.low) + "…" +
                     std::to_string(limits::kBlocks.high));
  limits::check(where, "norm_num_groups", norm_num_groups, limits::kChannels);
  for (int64_t c : block_out_channels) {
    limits::check(where, "block_out_channels", c, limits::kChannels);
    if (c % norm_num_groups != 0)
      config_error(where, "block_out_channels",
                   "entry " + std::to_string(c) + " is not a multiple of norm_num_groups " +
                       std::to_string(norm_num_groups));
  }
  limits::check(where, "in_channels", in_channels, limits::kImageChannels);
  limits::check(where, "out_channels", out_channels, limits::kImageChannels);
  limits::check(where, "latent_channels", latent_channels, limits::kImageChannels);
  limits::check(where, "layers_per_block", layers_per_block, limits::kLayersPerBlock);
  if (!(scaling_factor > 0) || !std::isfinite(scaling_factor))
    config_error(where, "scaling_factor", "must be a finite positive number");
  if (!std::isfinite(shift_factor)) config_error(where, "shift_factor", "must be a finite number");
}

VaeMidBlockImpl::VaeMidBlockImpl(int64_t channels, int64_t groups, bool add_attention) {
  ResnetOptions r;
  r.in_channels = r.out_channels = channels;
  r.groups = groups;
  r.eps = kVaeNormEps;
  resnets = register_module("resnets", nn::ModuleList());
  resnet_list_.push_back(append_module(resnets, ResnetBlock2D(r)));
  if (add_attention) {
    // One head over all channels (attention_head_dim = channels), float32 softmax, as diffusers builds it.
    AttentionOptions a;
    a.query_dim = channels;
    a.heads = 1;
    a.qkv_bias = true;
    a.upcast = true;
    a.norm_groups = groups;
    a.norm_eps = kVaeNormEps;
    attentions = register_module("attentions", nn::ModuleList());
    attention_ = append_module(attentions, Attention(a));
  }
  resnet_list_.push_back(append_module(resnets, ResnetBlock2D(r)));
}

torch::Tensor VaeMidBlockImpl::forward(const torch::Tensor& x) {
  auto h = resnet_list_[0]->forward(x);
  if (attention_) h = attention_->forward_spatial(h);
  return resnet_list_[1]->forward(h);
}

VaeBlockImpl::VaeBlockImpl(int64_t in_channels, int64_t out_channels, int64_t layers, int64_t groups,
                           Sampler sampler) {
  resnets = register_module("resnets", nn::ModuleList());
  for (int64_t i = 0; i < layers; ++i) {
    ResnetOptions r;
    r.in_channels = i == 0 ? in_channels : out_channels;
    r.out_channels = out_channels;
    r.groups = groups;
    r.eps = kVaeNormEps;
    resnet_list_.push_back(append_module(resnets, ResnetBlock2D(r)));
  }
  if (sampler == Sampler::down) {
    downsamplers = register_module("downsamplers", nn::ModuleList());
    downsampler_ = append_module(downsamplers, Downsample2D(out_channels, /*padding=*/0));
  } else if (sampler == Sampler::up) {
    upsamplers = register_module("upsamplers", nn::ModuleList());
    upsampler_ = append_module(upsamplers, Upsample2D(out_channels));
  }
}

torch::Tensor VaeBlockImpl::forward(const torch::Tensor& x) {
  auto h = x;
  for (auto& resnet : resnet_list_) h = resnet->forward(h);
  if (downsampler_) h = downsampler_->forward(h);
  if (upsampler_) h = upsampler_->forward(h);
  return h;
}

VaeEncoderImpl::VaeEncoderImpl(const AutoencoderKLConfig& c) {
  const auto& channels = c.block_out_channels;
  const size_t n = channels.size();
  conv_in = register_module("conv_in", conv3x3(c.in_channels, channels[0]));
  down_blocks = register_module("down_blocks", nn::ModuleList());
  for (size_t i = 0; i < n; ++i) {
    const auto sampler = i + 1 < n ? VaeBlockImpl::Sampler::down : VaeBlockImpl::Sampler::none;
    block_list_.push_back(append_module(
        down_blocks,
        VaeBlock(channels[i == 0 ? 0 : i - 1], channels[i], c.layers_per_block, c.norm_num_groups, sampler)));
  }
  mid_block = register_module("mid_block",
                              VaeMidBlock(channels.back(), c.norm_num_groups, c.mid_block_add_attention));
  conv_norm_out = register_module("conv_norm_out", group_norm(c.norm_num_groups, channels.back()));
  conv_out = register_module("conv_out", conv3x3(channels.back(), 2 * c.latent_channels));
}

// With the fused kernels (CUDA inference) the autoencoders run channels-last like the UNet: the
// ResNet blocks, spatial attention and samplers then take their fused paths (kernels/fused_ops.h).
torch::Tensor VaeEncoderImpl::forward(const torch::Tensor& image) {
  auto h = fused_.conv2d(conv_in, fused_.channels_last_input(image));
  for (auto& block : block_list_) h = block->forward(h);
  h = mid_block(h);
  return norm_silu_conv(fused_, conv_norm_out, conv_out, h);
}

VaeDecoderImpl::VaeDecoderImpl(const AutoencoderKLConfig& c) {
  const std::vector<int64_t> channels(c.block_out_channels.rbegin(), c.block_out_channels.rend());
  const size_t n = channels.size();
  conv_in = register_module("conv_in", conv3x3(c.latent_channels, channels[0]));
  mid_block =
      register_module("mid_block", VaeMidBlock(channels[0], c.norm_num_groups, c.mid_block_add_attention));
  up_blocks = register_module("up_blocks", nn::ModuleList());
  for (size_t i = 0; i < n; ++i) {
    const auto sampler = i + 1 < n ? VaeBlockImpl::Sampler::up : VaeBlockImpl::Sampler::none;
    block_list_.push_back(
        append_module(up_blocks, VaeBlock(channels[i == 0 ? 0 : i - 1], channels[i], c.layers_per_block + 1,
                                          c.norm_num_groups, sampler)));
  }
  conv_norm_out = register_module("conv_norm_out", group_norm(c.norm_num_groups, channels.back()));
  conv_out = register_module("conv_out", conv3x3(channels.back(), c.out_channels));
}

torch::Tensor VaeDecoderImpl::forward(const torch::Tensor& z) {
  auto h = mid_block(fused_.conv2d(conv_in, fused_.channels_last_input(z)));
  for (auto& block : block_list_) h = block->forward(h);
  return norm_silu_conv(fused_, conv_norm_out, conv_out, h);
}

AutoencoderKLImpl::AutoencoderKLImpl(const AutoencoderKLConfig& config) : config_(config) {
  config_.validate();
  const int64_t latent = config_.latent_channels;
  encoder = register_module("encoder", VaeEncoder(config_));
  decoder = register_module("decoder", VaeDecoder(config_));
  if (config_.use_quant_conv)
    quant_conv = register_module("quant_conv", nn::Conv2d(nn::Conv2dOptions(2 * latent, 2 * latent, 1)));
  if (config_.use_post_quant_conv)
    post_quant_conv = register_module("post_quant_conv", nn::Conv2d(nn::Conv2dOptions(latent, latent, 1)));
}

GaussianPosterior AutoencoderKLImpl::encode(const torch::Tensor& image) {
  check_image(image, config_.in_channels, "image");
  auto moments = encoder(image);
  if (quant_conv) moments = quant_conv(moments);
  auto halves = moments.chunk(2, 1);
  return {halves[0], halves[1].clamp(-30.0, 20.0)};
}

torch::Tensor AutoencoderKLImpl::decode(const torch::Tensor& latent) {
  check_image(latent, config_.latent_channels, "latent");
  return decoder(post_quant_conv ? post_quant_conv(latent) : latent);
}

}  // namespace palette
