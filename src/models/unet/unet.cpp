#include "models/unet/unet.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "kernels/fused_ops.h"
#include "palette/error.h"

namespace palette {

namespace nn = torch::nn;

namespace {

std::string shape_text(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

void check_sample(const UNetConfig& c, const torch::Tensor& sample) {
  if (sample.dim() != 4 || sample.size(1) != c.in_channels)
    throw Error("UNet: sample must be (B," + std::to_string(c.in_channels) + ",h,w), not " +
                shape_text(sample));
}

// Whether every block attends to text of the same width (then the context's width can be checked).
bool uniform_cross_attention(const UNetConfig& c) {
  return std::all_of(c.cross_attention_dim.begin(), c.cross_attention_dim.end(),
                     [&](int64_t d) { return d == c.cross_attention_dim[0]; });
}

void check_inputs(const UNetConfig& c, const torch::Tensor& sample, const torch::Tensor& context) {
  check_sample(c, sample);
  if (context.dim() != 3 || context.size(0) != sample.size(0) ||
      (uniform_cross_attention(c) && context.size(2) != c.cross_attention_dim[0]))
    throw Error("UNet: encoder_hidden_states must be (" + std::to_string(sample.size(0)) + ",tokens," +
                std::to_string(c.cross_attention_dim[0]) + "), not " + shape_text(context));
}

void check_regional(const UNetConfig& c, const torch::Tensor& sample, const RegionalContext& r) {
  check_sample(c, sample);
  const int64_t batch = sample.size(0);
  if (!r.contexts.defined() || r.masks.empty())
    throw Error("UNet: the regional context is empty (make it with regional_context)");
  if (uniform_cross_attention(c) && r.contexts.size(3) != c.cross_attention_dim[0])
    throw Error("UNet: regional contexts must have " + std::to_string(c.cross_attention_dim[0]) +
                " channels, not " + shape_text(r.contexts));
  if (batch % r.contexts.size(0) != 0)
    throw Error("UNet: a batch of " + std::to_string(batch) + " does not split into the regional contexts' " +
                std::to_string(r.contexts.size(0)) + " groups");
  if (r.height != sample.size(2) || r.width != sample.size(3))
    throw Error("UNet: the regional masks were made for a " + std::to_string(r.height) + "x" +
                std::to_string(r.width) + " latent, not " + std::to_string(sample.size(2)) + "x" +
                std::to_string(sample.size(3)));
  const int64_t bm = r.masks.front().size(0);
  if (bm != 1 && bm != batch)
    throw Error("UNet: the regional masks are for a batch of " + std::to_string(bm) + ", not 1 or " +
                std::to_string(batch));
}

template <typename T>
std::vector<T> reversed(std::vector<T> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

}  // namespace

torch::Tensor timestep_embedding(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos,
                                 double freq_shift) {
  const int64_t half = dim / 2;
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(timesteps.device());
  // Same operation order as diffusers, so the float32 frequencies agree bit for bit.
  auto frequencies = torch::exp(torch::arange(0, half, options) * -std::log(10000.0) / (half - freq_shift));
  auto angles = timesteps.to(torch::kFloat).unsqueeze(1) * frequencies.unsqueeze(0);
  auto emb = flip_sin_to_cos ? torch::cat({torch::cos(angles), torch::sin(angles)}, 1)
                             : torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
  return dim % 2 == 1 ? torch::constant_pad_nd(emb, {0, 1}, 0) : emb;
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in_channels, int64_t embed_dim, int64_t cond_proj_dim) {
  linear_1 = register_module("linear_1", nn::Linear(in_channels, embed_dim));
  if (cond_proj_dim > 0)
    cond_proj =
        register_module("cond_proj", nn::Linear(nn::LinearOptions(cond_proj_dim, in_channels).bias(false)));
  linear_2 = register_module("linear_2", nn::Linear(embed_dim, embed_dim));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& features, const torch::Tensor& condition) {
  auto x = (cond_proj && condition.defined()) ? features + cond_proj(condition) : features;
  return linear_2(torch::silu(linear_1(x)));
}

UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNetConfig& config) : config_(config) {
  config_.validate();
  const auto& c = config_;
  conv_in = register_module(
      "conv_in", nn::Conv2d(nn::Conv2dOptions(c.in_channels, c.block_out_channels[0], c.conv_in_kernel)
                                .padding((c.conv_in_kernel - 1) / 2)));
  time_embedding = register_module(
      "time_embedding", TimestepEmbedding(c.block_out_channels[0], c.time_embed_dim(), c.time_cond_proj_dim));
  if (c.text_time_embedding())
    add_embedding = register_module(
        "add_embedding", TimestepEmbedding(c.projection_class_embeddings_input_dim, c.time_embed_dim(), 0));
  build_down_and_mid();
  build_up();
  conv_norm_out = register_module(
      "conv_norm_out",
      nn::GroupNorm(nn::GroupNormOptions(c.norm_num_groups, c.block_out_channels[0]).eps(c.norm_eps)));
  conv_out = register_module(
      "conv_out", nn::Conv2d(nn::Conv2dOptions(c.block_out_channels[0], c.out_channels, c.conv_out_kernel)
                                 .padding((c.conv_out_kernel - 1) / 2)));
}

namespace {

// What every block of this UNet shares; the per-block fields are filled by the caller.
UNetBlockOptions common_block_options(const UNetConfig& c) {
  UNetBlockOptions o;
  o.temb_channels = c.time_embed_dim();
  o.downsample_padding = c.downsample_padding;
  o.resnet_eps = c.norm_eps;
  o.transformer.groups = c.norm_num_groups;
  o.transformer.linear_projection = c.use_linear_projection;
  o.transformer.upcast_attention = c.upcast_attention;
  return o;
}

}  // namespace

void UNet2DConditionModelImpl::build_down_and_mid() {
  const auto& c = config_;
  const size_t n = c.num_blocks();
  down_blocks = register_module("down_blocks", nn::ModuleList());
  int64_t channels = c.block_out_channels[0];
  for (size_t i = 0; i < n; ++i) {
    UNetBlockOptions o = common_block_options(c);
    o.in_channels = channels;
    o.out_channels = channels = c.block_out_channels[i];
    o.resnets = c.layers_per_block[i];
    o.cross_attention = c.down_block_types[i] == "CrossAttnDownBlock2D";
    o.sampler = i + 1 < n;
    o.transformer.heads = c.attention_heads[i];
    o.transformer.cross_attention_dim = c.cross_attention_dim[i];
    o.transformer.layers = c.transformer_layers_per_block[i];
    down_list_.push_back(append_module(down_blocks, UNetDownBlock(o)));
  }
  UNetBlockOptions mid = common_block_options(c);
  mid.in_channels = mid.out_channels = c.block_out_channels.back();
  mid.resnets = 2;
  mid.output_scale_factor = c.mid_block_scale_factor;
  mid.transformer.heads = c.attention_heads.back();
  mid.transformer.cross_attention_dim = c.cross_attention_dim.back();
  mid.transformer.layers = c.transformer_layers_per_block.back();
  mid_block = register_module("mid_block", UNetMidBlock(mid));
}

void UNet2DConditionModelImpl::build_up() {
  const auto& c = config_;
  const size_t n = c.num_blocks();
  const auto channels = reversed(c.block_out_channels);
  const auto layers = reversed(c.layers_per_block);
  const auto heads = reversed(c.attention_heads);
  const auto cross_dims = reversed(c.cross_attention_dim);
  const auto transformer_layers = reversed(c.transformer_layers_per_block);
  up_blocks = register_module("up_blocks", nn::ModuleList());
  for (size_t i = 0; i < n; ++i) {
    UNetBlockOptions o = common_block_options(c);
    o.prev_output_channels = channels[i == 0 ? 0 : i - 1];
    o.out_channels = channels[i];
    o.in_channels = channels[std::min(i + 1, n - 1)];
    o.resnets = layers[i] + 1;
    o.cross_attention = c.up_block_types[i] == "CrossAttnUpBlock2D";
    o.sampler = i + 1 < n;
    o.transformer.heads = heads[i];
    o.transformer.cross_attention_dim = cross_dims[i];
    o.transformer.layers = transformer_layers[i];
    up_list_.push_back(append_module(up_blocks, UNetUpBlock(o)));
  }
}

torch::Tensor UNet2DConditionModelImpl::added_embedding(const UNetConditions& conditions, int64_t batch,
                                                        torch::ScalarType dtype) {
  const auto& text = conditions.text_embeds;
  const auto& ids = conditions.time_ids;
  const int64_t per_id = config_.addition_time_embed_dim;
  const int64_t wanted = config_.projection_class_embeddings_input_dim;
  if (!text.defined() || !ids.defined())
    throw Error("UNet: this UNet (addition_embed_type \"text_time\", SDXL) needs the pooled text embedding and "
                "the time ids beside the text");
  const auto fits = [&](const torch::Tensor& t) { return t.dim() == 2 && (t.size(0) == 1 || t.size(0) == batch); };
  if (!fits(text) || !fits(ids) || text.size(1) + ids.size(1) * per_id != wanted)
    throw Error("UNet: the pooled text embedding " + shape_text(text) + " and the time ids " + shape_text(ids) +
                " do not fit add_embedding's " + std::to_string(wanted) + " inputs (pooled width + " +
                std::to_string(per_id) + " per time id; SDXL: (" + std::to_string(batch) + "," +
                std::to_string(wanted - 6 * per_id) + ") and (" + std::to_string(batch) + ",6))");
  // As diffusers: each id's sinusoid in float32, laid out id after id, then the model's dtype.
  const torch::Device device = add_embedding->linear_1->weight.device();
  const auto id_features =
      timestep_embedding(ids.to(device).reshape({-1}), per_id, config_.flip_sin_to_cos, config_.freq_shift)
          .reshape({ids.size(0), -1});
  auto features = torch::cat({text.to(device, torch::kFloat).expand({batch, -1}), id_features.expand({batch, -1})}, 1);
  return add_embedding->forward(features.to(dtype));
}

torch::Tensor UNet2DConditionModelImpl::activated_time_embedding(const torch::Tensor& sample,
                                                                 const torch::Tensor& timesteps,
                                                                 const UNetConditions& conditions) {
  const int64_t batch = sample.size(0);
  const auto t = timesteps.dim() == 0 ? timesteps.reshape({1}) : timesteps;
  if (t.dim() != 1 || (t.size(0) != 1 && t.size(0) != batch))
    throw Error("UNet: timesteps must be a scalar, (1,) or (" + std::to_string(batch) + ",), not " +
                shape_text(t));
  // The sinusoid is computed in float32, then cast to the model's dtype, as diffusers does.
  auto features = timestep_embedding(t.to(sample.device()), config_.block_out_channels[0],
                                     config_.flip_sin_to_cos, config_.freq_shift)
                      .to(sample.scalar_type());
  if (features.size(0) != batch) features = features.expand({batch, -1});
  auto embedding = time_embedding->forward(features, conditions.timestep_cond);
  if (add_embedding) embedding = embedding + added_embedding(conditions, batch, embedding.scalar_type());
  return torch::silu(embedding);
}

torch::Tensor UNet2DConditionModelImpl::forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                                const torch::Tensor& encoder_hidden_states,
                                                const UNetConditions& conditions) {
  check_inputs(config_, sample, encoder_hidden_states);
  return forward_with(sample, timesteps, encoder_hidden_states, conditions);
}

torch::Tensor UNet2DConditionModelImpl::forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                                const RegionalContext& regional,
                                                const UNetConditions& conditions) {
  check_regional(config_, sample, regional);
  return forward_with(sample, timesteps, CrossContext(regional), conditions);
}

RegionalContext UNet2DConditionModelImpl::regional_context(const torch::Tensor& contexts,
                                                           const torch::Tensor& masks) const {
  std::vector<std::pair<int64_t, int64_t>> sizes;
  if (masks.defined() && masks.dim() >= 2) {
    int64_t h = masks.size(-2), w = masks.size(-1);
    // The sizes Downsample2D makes: a 3×3 stride-2 conv, padded by 1 on each side or (padding 0) by one
    // on the right and bottom.
    const int64_t pad = config_.downsample_padding > 0 ? 2 * config_.downsample_padding : 1;
    for (size_t level = 0; level < config_.num_blocks(); ++level) {
      sizes.emplace_back(h, w);
      h = (h + pad - 3) / 2 + 1;
      w = (w + pad - 3) / 2 + 1;
    }
  }
  return make_regional_context(contexts, masks, sizes);
}

torch::Tensor UNet2DConditionModelImpl::forward_with(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                                     const CrossContext& context,
                                                     const UNetConditions& conditions) {
  const auto temb = activated_time_embedding(sample, timesteps, conditions);
  // With the fused kernels the whole network runs channels-last (NHWC): cuDNN's convolutions then
  // need no transposes and the blocks take their fused paths (fused::Ops::applies).
  auto h = conv_in(fused_.channels_last_input(config_.center_input_sample ? sample * 2 - 1 : sample));
  std::vector<torch::Tensor> skips;
  skips.push_back(h);
  for (auto& block : down_list_) h = block->forward(h, temb, context, skips);
  h = mid_block->forward(h, temb, context);
  for (auto& block : up_list_) h = block->forward(h, temb, context, skips);
  return norm_silu_conv(fused_, conv_norm_out, conv_out, h);
}

}  // namespace palette
