// Building blocks shared by the UNet and the VAE, named as in diffusers (resnet.py, attention_processor.py,
// downsampling.py, upsampling.py) so that checkpoint names load directly:
//
//   ResnetOptions options;
//   options.in_channels = 320, options.out_channels = 640, options.temb_channels = 1280;
//   ResnetBlock2D res(options);
//   auto y = res(x, torch::silu(temb));   // x (B,320,H,W), temb (B,1280) → (B,640,H,W)
//
// Every block works in the dtype and on the device of its parameters and inputs (float32, float16,
// bfloat16; CPU or CUDA) and creates no tensors of a fixed dtype.
// Thread safety: forward methods change nothing in the module; once weights are loaded, several
// threads may run them at once.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "kernels/fused_ops.h"

namespace palette {

struct ResnetOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;   // 0: same as in_channels
  int64_t temb_channels = 0;  // 0: no time embedding (the VAE), so no time_emb_proj
  int64_t groups = 32;        // GroupNorm groups of norm1 and norm2
  double eps = 1e-5;          // GroupNorm epsilon
  double output_scale_factor = 1.0;
};

// diffusers' ResnetBlock2D with the "default" time-embedding norm: norm1, conv1, time_emb_proj,
// norm2, conv2 and, when the channel count changes, a 1×1 conv_shortcut.
class ResnetBlock2DImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit ResnetBlock2DImpl(const ResnetOptions& options);
  // x (B,in,H,W); temb_act (B,temb_channels) is the time embedding *after* SiLU (the caller applies
  // the activation once for all blocks), undefined when temb_channels is 0. Returns (B,out,H,W).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb_act = {});

  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
  torch::nn::Linear time_emb_proj{nullptr};

 private:
  // The NHWC path with fused kernels (kernels/fused_ops.h), taken when fused_.applies(x).
  torch::Tensor forward_fused(const torch::Tensor& x, const torch::Tensor& temb_act);
  double output_scale_factor_;
};
TORCH_MODULE(ResnetBlock2D);

struct AttentionOptions {
  int64_t query_dim = 0;
  int64_t context_dim = 0;  // 0: self-attention (keys and values from the queries' input)
  int64_t heads = 1;
  int64_t head_dim = 0;     // 0: query_dim / heads
  bool qkv_bias = false;    // to_q/to_k/to_v biases (true in the VAE)
  bool upcast = false;      // scores and softmax in float32 for half-precision inputs
  int64_t norm_groups = 0;  // > 0: a group_norm for forward_spatial (the VAE's mid-block attention)
  double norm_eps = 1e-6;
};

// diffusers' Attention: to_q, to_k, to_v, to_out.0 (and group_norm when norm_groups > 0). The kernel is
// palette::attention, so the choice of implementation stays in models/attention.
class AttentionImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit AttentionImpl(const AttentionOptions& options);
  // x (B,N,query_dim); context (B,M,context_dim), or undefined for self-attention. Returns (B,N,query_dim).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});
  // forward before the output projection: the heads' results side by side, (B,N,heads·head_dim).
  torch::Tensor heads_output(const torch::Tensor& x, const torch::Tensor& context = {});
  // Self-attention over the pixels of x (B,query_dim,H,W) with group_norm before and the residual added
  // after; needs norm_groups > 0. Returns (B,query_dim,H,W).
  torch::Tensor forward_spatial(const torch::Tensor& x);

  // For attention variants built from the same weights (models/unet/regional_attention).
  int64_t heads() const { return heads_; }
  bool upcast() const { return upcast_; }
  torch::nn::Linear output_projection() const { return out_proj_; }

  torch::nn::GroupNorm group_norm{nullptr};
  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  torch::nn::ModuleList to_out{nullptr};  // [Linear]: the checkpoint names it to_out.0

 private:
  torch::nn::Linear out_proj_{nullptr};  // to_out[0], held typed
  int64_t heads_;
  bool upcast_;
};
TORCH_MODULE(Attention);

// A stride-2 3×3 conv named "conv" (downsamplers.0.conv). padding 1 pads symmetrically; padding 0 pads
// right and bottom by one, as the VAE encoder does. (B,C,H,W) → (B,C,ceil(H/2),ceil(W/2)) for padding 1.
class Downsample2DImpl : public torch::nn::Module, public fused::Caller {
 public:
  Downsample2DImpl(int64_t channels, int64_t padding);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv{nullptr};

 private:
  bool pad_right_bottom_;
};
TORCH_MODULE(Downsample2D);

// Nearest-neighbour upsampling then a 3×3 conv named "conv" (upsamplers.0.conv).
class Upsample2DImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit Upsample2DImpl(int64_t channels);
  // x (B,C,H,W) → (B,C,size[0],size[1]), or (B,C,2H,2W) when size is empty. An explicit size lets the
  // UNet match a skip connection whose size was odd before downsampling.
  torch::Tensor forward(const torch::Tensor& x, const std::vector<int64_t>& size = {});

  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

// conv(silu(norm(h))): how the UNet and the autoencoders end. On the fused path (channels-last h) the
// norm and SiLU are one kernel pair and the result comes back contiguous (NCHW) for the callers.
torch::Tensor norm_silu_conv(const fused::Ops& ops, torch::nn::GroupNorm norm, torch::nn::Conv2d conv,
                             const torch::Tensor& h);

// Registers `item` in `list` and returns it typed, so forward passes never cast children back.
template <typename Holder>
Holder append_module(torch::nn::ModuleList& list, Holder item) {
  list->push_back(item);
  return item;
}

}  // namespace palette
