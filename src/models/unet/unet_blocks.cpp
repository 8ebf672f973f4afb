#include "models/unet/unet_blocks.h"

namespace palette {

namespace nn = torch::nn;

namespace {

// Only a holder for the checkpoint name ff.net.0.proj; FeedForward applies the gate itself.
struct GegluImpl : nn::Module {
  GegluImpl(int64_t dim, int64_t inner) { proj = register_module("proj", nn::Linear(dim, 2 * inner)); }
  nn::Linear proj{nullptr};
};
TORCH_MODULE(Geglu);

ResnetOptions resnet_options(const UNetBlockOptions& o, int64_t in, int64_t out) {
  ResnetOptions r;
  r.in_channels = in;
  r.out_channels = out;
  r.temb_channels = o.temb_channels;
  r.groups = o.transformer.groups;
  r.eps = o.resnet_eps;
  r.output_scale_factor = o.output_scale_factor;
  return r;
}

Transformer2D transformer(const UNetBlockOptions& o, int64_t channels) {
  TransformerOptions t = o.transformer;
  t.channels = channels;
  return Transformer2D(t);
}

}  // namespace

FeedForwardImpl::FeedForwardImpl(int64_t dim) {
  const int64_t inner = 4 * dim;
  net = register_module("net", nn::ModuleList());
  proj_ = append_module(net, Geglu(dim, inner))->proj;
  net->push_back(nn::Identity());
  out_ = append_module(net, nn::Linear(inner, dim));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) { return fused_.linear(out_, gated(x)); }

torch::Tensor FeedForwardImpl::gated(const torch::Tensor& x) { return fused_.geglu(fused_.linear(proj_, x)); }

BasicTransformerBlockImpl::BasicTransformerBlockImpl(const TransformerOptions& o) {
  const auto layer_norm = [&] { return nn::LayerNorm(nn::LayerNormOptions({o.channels}).eps(1e-5)); };
  AttentionOptions self_attention;
  self_attention.query_dim = o.channels;
  self_attention.heads = o.heads;
  self_attention.head_dim = o.channels / o.heads;
  self_attention.upcast = o.upcast_attention;
  AttentionOptions cross_attention = self_attention;
  cross_attention.context_dim = o.cross_attention_dim;
  norm1 = register_module("norm1", layer_norm());
  attn1 = register_module("attn1", Attention(self_attention));
  norm2 = register_module("norm2", layer_norm());
  attn2 = register_module("attn2", Attention(cross_attention));
  norm3 = register_module("norm3", layer_norm());
  ff = register_module("ff", FeedForward(o.channels));
}

torch::Tensor BasicTransformerBlockImpl::forward(const torch::Tensor& x, const CrossContext& context) {
  auto h = attn1(fused_.layer_norm(norm1, x)).add_(x);
  h = cross_attention(*attn2, fused_.layer_norm(norm2, h), context).add_(h);
  return ff(fused_.layer_norm(norm3, h)).add_(h);
}

void BasicTransformerBlockImpl::forward_into(torch::Tensor& h, torch::Tensor& pending, const CrossContext& context) {
  fused_.add_linear_without_bias_(h, attn1->output_projection(),
                                  attn1->heads_output(fused_.layer_norm(norm1, h, pending)), pending);
  fused_.add_linear_without_bias_(h, attn2->output_projection(),
                                  cross_attention_heads(*attn2, fused_.layer_norm(norm2, h, pending), context),
                                  pending);
  fused_.add_linear_without_bias_(h, ff->output_layer(), ff->gated(fused_.layer_norm(norm3, h, pending)),
                                  pending);
}

Transformer2DImpl::Transformer2DImpl(const TransformerOptions& o) {
  const int64_t inner = o.heads * (o.channels / o.heads);
  // diffusers fixes this GroupNorm's epsilon at 1e-6, whatever the UNet's norm_eps.
  norm = register_module("norm", nn::GroupNorm(nn::GroupNormOptions(o.groups, o.channels).eps(1e-6)));
  if (o.linear_projection)
    proj_in_linear = register_module("proj_in", nn::Linear(o.channels, inner));
  else
    proj_in_conv = register_module("proj_in", nn::Conv2d(nn::Conv2dOptions(o.channels, inner, 1)));
  transformer_blocks = register_module("transformer_blocks", nn::ModuleList());
  TransformerOptions block = o;
  block.channels = inner;
  for (int64_t i = 0; i < o.layers; ++i)
    blocks_.push_back(append_module(transformer_blocks, BasicTransformerBlock(block)));
  if (o.linear_projection)
    proj_out_linear = register_module("proj_out", nn::Linear(inner, o.channels));
  else
    proj_out_conv = register_module("proj_out", nn::Conv2d(nn::Conv2dOptions(inner, o.channels, 1)));
}

torch::Tensor Transformer2DImpl::forward(const torch::Tensor& x, const CrossContext& context) {
  if (fused_.applies(x)) return forward_nhwc(x, context);
  const auto b = x.size(0), h = x.size(2), w = x.size(3);
  auto hidden = norm(x);
  hidden = proj_in_conv ? proj_in_conv(hidden) : hidden;
  const auto inner = hidden.size(1);
  hidden = hidden.permute({0, 2, 3, 1}).reshape({b, h * w, inner});
  if (proj_in_linear) hidden = proj_in_linear(hidden);
  for (auto& block : blocks_) hidden = block->forward(hidden, context);
  if (proj_out_linear) hidden = proj_out_linear(hidden);
  // Back to NCHW-contiguous memory: what the following GroupNorms and convolutions are fastest on.
  hidden = hidden.view({b, h, w, -1}).permute({0, 3, 1, 2}).contiguous();
  if (proj_out_conv) hidden = proj_out_conv(hidden);
  return hidden.add_(x);
}

// Channels-last activations are already (B, H·W, C) tokens in memory: no permute copies, and the
// 1×1 projections run as GEMMs with their bias in cuBLAS's epilogue.
torch::Tensor Transformer2DImpl::forward_nhwc(const torch::Tensor& x, const CrossContext& context) {
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  auto hidden = fused_.group_norm(norm, x, /*silu=*/false);
  hidden = hidden.permute({0, 2, 3, 1}).reshape({b, h * w, c});
  hidden = proj_in_conv ? torch::linear(hidden, proj_in_conv->weight.reshape({-1, c}), proj_in_conv->bias)
                        : fused_.linear(proj_in_linear, hidden);
  torch::Tensor pending;  // what the blocks still owe `hidden` (their projections' biases)
  for (auto& block : blocks_) block->forward_into(hidden, pending, context);
  const torch::Tensor weight = proj_out_conv ? proj_out_conv->weight.reshape({c, -1}) : proj_out_linear->weight;
  torch::Tensor bias = proj_out_conv ? proj_out_conv->bias : proj_out_linear->bias;
  // proj_out is linear: W·(hidden + pending) + b = W·hidden + (b + W·pending).
  if (pending.defined()) bias = bias.defined() ? torch::addmv(bias, weight, pending) : torch::mv(weight, pending);
  hidden = torch::linear(hidden, weight, bias);
  return hidden.view({b, h, w, c}).permute({0, 3, 1, 2}).add_(x);
}

UNetDownBlockImpl::UNetDownBlockImpl(const UNetBlockOptions& o) {
  resnets = register_module("resnets", nn::ModuleList());
  if (o.cross_attention) attentions = register_module("attentions", nn::ModuleList());
  for (int64_t i = 0; i < o.resnets; ++i) {
    resnet_list_.push_back(append_module(
        resnets, ResnetBlock2D(resnet_options(o, i == 0 ? o.in_channels : o.out_channels, o.out_channels))));
    if (o.cross_attention)
      attention_list_.push_back(append_module(attentions, transformer(o, o.out_channels)));
  }
  if (o.sampler) {
    downsamplers = register_module("downsamplers", nn::ModuleList());
    downsampler_ = append_module(downsamplers, Downsample2D(o.out_channels, o.downsample_padding));
  }
}

torch::Tensor UNetDownBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb_act,
                                         const CrossContext& context, std::vector<torch::Tensor>& skips) {
  auto h = x;
  for (size_t i = 0; i < resnet_list_.size(); ++i) {
    h = resnet_list_[i]->forward(h, temb_act);
    if (!attention_list_.empty()) h = attention_list_[i]->forward(h, context);
    skips.push_back(h);
  }
  if (downsampler_) {
    h = downsampler_->forward(h);
    skips.push_back(h);
  }
  return h;
}

UNetMidBlockImpl::UNetMidBlockImpl(const UNetBlockOptions& o) {
  resnets = register_module("resnets", nn::ModuleList());
  attentions = register_module("attentions", nn::ModuleList());
  const int64_t c = o.in_channels;
  resnet_list_.push_back(append_module(resnets, ResnetBlock2D(resnet_options(o, c, c))));
  for (int64_t i = 1; i < o.resnets; ++i) {
    attention_list_.push_back(append_module(attentions, transformer(o, c)));
    resnet_list_.push_back(append_module(resnets, ResnetBlock2D(resnet_options(o, c, c))));
  }
}

torch::Tensor UNetMidBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb_act,
                                        const CrossContext& context) {
  auto h = resnet_list_[0]->forward(x, temb_act);
  for (size_t i = 0; i < attention_list_.size(); ++i)
    h = resnet_list_[i + 1]->forward(attention_list_[i]->forward(h, context), temb_act);
  return h;
}

UNetUpBlockImpl::UNetUpBlockImpl(const UNetBlockOptions& o) {
  resnets = register_module("resnets", nn::ModuleList());
  if (o.cross_attention) attentions = register_module("attentions", nn::ModuleList());
  for (int64_t i = 0; i < o.resnets; ++i) {
    // The last resnet meets the skip from the down block's input; the others meet its own width.
    const int64_t skip = i == o.resnets - 1 ? o.in_channels : o.out_channels;
    const int64_t below = i == 0 ? o.prev_output_channels : o.out_channels;
    resnet_list_.push_back(
        append_module(resnets, ResnetBlock2D(resnet_options(o, below + skip, o.out_channels))));
    if (o.cross_attention)
      attention_list_.push_back(append_module(attentions, transformer(o, o.out_channels)));
  }
  if (o.sampler) {
    upsamplers = register_module("upsamplers", nn::ModuleList());
    upsampler_ = append_module(upsamplers, Upsample2D(o.out_channels));
  }
}

torch::Tensor UNetUpBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb_act,
                                       const CrossContext& context, std::vector<torch::Tensor>& skips) {
  TORCH_CHECK(skips.size() >= resnet_list_.size(), "UNetUpBlock: not enough skip connections");
  auto h = x;
  for (size_t i = 0; i < resnet_list_.size(); ++i) {
    h = resnet_list_[i]->forward(torch::cat({h, skips.back()}, 1), temb_act);
    skips.pop_back();
    if (!attention_list_.empty()) h = attention_list_[i]->forward(h, context);
  }
  if (upsampler_)
    h = skips.empty() ? upsampler_->forward(h)
                      : upsampler_->forward(h, {skips.back().size(2), skips.back().size(3)});
  return h;
}

}  // namespace palette
