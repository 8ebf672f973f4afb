#include "models/unet/blocks.h"

#include <torch/version.h>

#include "models/attention.h"

namespace palette {

namespace nn = torch::nn;

ResnetBlock2DImpl::ResnetBlock2DImpl(const ResnetOptions& options)
    : output_scale_factor_(options.output_scale_factor) {
  const int64_t in = options.in_channels;
  const int64_t out = options.out_channels > 0 ? options.out_channels : in;
  norm1 = register_module("norm1", nn::GroupNorm(nn::GroupNormOptions(options.groups, in).eps(options.eps)));
  conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
  if (options.temb_channels > 0)
    time_emb_proj = register_module("time_emb_proj", nn::Linear(options.temb_channels, out));
  norm2 = register_module("norm2", nn::GroupNorm(nn::GroupNormOptions(options.groups, out).eps(options.eps)));
  conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1)));
  if (in != out) conv_shortcut = register_module("conv_shortcut", nn::Conv2d(nn::Conv2dOptions(in, out, 1)));
}

torch::Tensor ResnetBlock2DImpl::forward(const torch::Tensor& x, const torch::Tensor& temb_act) {
  if (fused_.applies(x)) return forward_fused(x, temb_act);
  auto h = conv1(torch::silu(norm1(x)));
  // add_ on fresh conv outputs is safe under autograd (conv's backward does not read its output).
  if (time_emb_proj && temb_act.defined()) h.add_(time_emb_proj(temb_act).unsqueeze(-1).unsqueeze(-1));
  h = conv2(torch::silu(norm2(h)));
  h.add_(conv_shortcut ? conv_shortcut(x) : x);
  if (output_scale_factor_ != 1.0) h.div_(output_scale_factor_);
  return h;
}

// The same block in four passes over memory besides the convolutions: conv1's bias and the time
// embedding enter norm2 as its per-channel addend, and conv2's bias, the shortcut's bias and the
// residual are added in one pass.
torch::Tensor ResnetBlock2DImpl::forward_fused(const torch::Tensor& x, const torch::Tensor& temb_act) {
  const int64_t batch = x.size(0);
  torch::Tensor h = fused_.group_norm(norm1, x, /*silu=*/true);
  h = torch::conv2d(h, conv1->weight, {}, 1, 1);
  torch::Tensor addend = time_emb_proj && temb_act.defined()
                             ? time_emb_proj(temb_act).add_(conv1->bias)
                             : conv1->bias.unsqueeze(0).expand({batch, -1}).contiguous();
  h = fused_.group_norm(norm2, h, /*silu=*/true, addend);
  h = torch::conv2d(h, conv2->weight, {}, 1, 1);
  torch::Tensor shortcut = x, bias = conv2->bias;
  if (conv_shortcut) {
    shortcut = torch::conv2d(x, conv_shortcut->weight);
    bias = bias + conv_shortcut->bias;
  }
  return fused_.add_bias_residual_(h, bias, shortcut, 1.0 / output_scale_factor_);
}

AttentionImpl::AttentionImpl(const AttentionOptions& options)
    : heads_(options.heads), upcast_(options.upcast) {
  const int64_t head_dim = options.head_dim > 0 ? options.head_dim : options.query_dim / options.heads;
  const int64_t inner = head_dim * options.heads;
  const int64_t context = options.context_dim > 0 ? options.context_dim : options.query_dim;
  if (options.norm_groups > 0)
    group_norm = register_module(
        "group_norm",
        nn::GroupNorm(nn::GroupNormOptions(options.norm_groups, options.query_dim).eps(options.norm_eps)));
  to_q =
      register_module("to_q", nn::Linear(nn::LinearOptions(options.query_dim, inner).bias(options.qkv_bias)));
  to_k = register_module("to_k", nn::Linear(nn::LinearOptions(context, inner).bias(options.qkv_bias)));
  to_v = register_module("to_v", nn::Linear(nn::LinearOptions(context, inner).bias(options.qkv_bias)));
  to_out = register_module("to_out", nn::ModuleList());
  out_proj_ = append_module(to_out, nn::Linear(inner, options.query_dim));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  return fused_.linear(out_proj_, heads_output(x, context));
}

torch::Tensor AttentionImpl::heads_output(const torch::Tensor& x, const torch::Tensor& context) {
  const auto& kv_input = context.defined() ? context : x;
  auto q = split_heads(fused_.linear(to_q, x), heads_);
  auto k = split_heads(fused_.linear(to_k, kv_input), heads_);
  auto v = split_heads(fused_.linear(to_v, kv_input), heads_);
  return merge_heads(attention(q, k, v, upcast_));
}

torch::Tensor AttentionImpl::forward_spatial(const torch::Tensor& x) {
  TORCH_CHECK(group_norm, "Attention::forward_spatial needs norm_groups > 0");
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  if (fused_.applies(x)) {  // channels-last: the pixels are already (B, H·W, C) tokens in memory
    auto tokens =
        fused_.group_norm(group_norm, x, /*silu=*/false).permute({0, 2, 3, 1}).reshape({b, h * w, c});
    return forward(tokens).view({b, h, w, c}).permute({0, 3, 1, 2}).add_(x);
  }
  auto tokens = group_norm(x).view({b, c, h * w}).transpose(1, 2);
  auto out = forward(tokens).transpose(1, 2).reshape({b, c, h, w});
  return out.add_(x);
}

torch::Tensor norm_silu_conv(const fused::Ops& ops, torch::nn::GroupNorm norm, torch::nn::Conv2d conv,
                             const torch::Tensor& h) {
  if (!ops.applies(h)) return conv(torch::silu(norm(h)));
  return ops.conv2d(conv, ops.group_norm(norm, h, /*silu=*/true)).contiguous();
}

Downsample2DImpl::Downsample2DImpl(int64_t channels, int64_t padding) : pad_right_bottom_(padding == 0) {
  conv = register_module("conv",
                         nn::Conv2d(nn::Conv2dOptions(channels, channels, 3).stride(2).padding(padding)));
}

torch::Tensor Downsample2DImpl::forward(const torch::Tensor& x) {
  if (pad_right_bottom_) return conv(torch::constant_pad_nd(x, {0, 1, 0, 1}, 0));
  return fused_.conv2d(conv, x);
}

Upsample2DImpl::Upsample2DImpl(int64_t channels) {
  conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(channels, channels, 3).padding(1)));
}

torch::Tensor Upsample2DImpl::forward(const torch::Tensor& x, const std::vector<int64_t>& size) {
  const std::vector<int64_t> target =
      size.empty() ? std::vector<int64_t>{2 * x.size(2), 2 * x.size(3)} : size;
  auto options = nn::functional::InterpolateFuncOptions().size(target).mode(torch::kNearest);
#if TORCH_VERSION_MAJOR < 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR < 1)
  // Nearest upsampling has no bfloat16 kernel before PyTorch 2.1; diffusers takes the same detour.
  if (x.scalar_type() == torch::kBFloat16)
    return conv(nn::functional::interpolate(x.to(torch::kFloat), options).to(torch::kBFloat16));
#endif
  return fused_.conv2d(conv, nn::functional::interpolate(x, options));
}

}  // namespace palette
