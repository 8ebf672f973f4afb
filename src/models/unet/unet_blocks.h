// The UNet's stages, named as in diffusers (transformer_2d.py, attention.py, unet_2d_blocks.py):
// Transformer2DModel with its BasicTransformerBlocks, and the down, mid and up blocks. One down-block
// class serves CrossAttnDownBlock2D and DownBlock2D (the latter simply has no attentions); likewise up.
// Built by UNet2DConditionModel from a validated UNetConfig; not meant to be built by hand.
//
// Tensor conventions: x (B,C,H,W) in the module's dtype; temb_act (B,time_embed_dim) is the time
// embedding after SiLU; context is the text encoder's hidden states (B,M,cross_attention_dim), or a
// regional context (models/unet/regional_attention.h).
// Thread safety: forward methods change nothing in the module.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "models/unet/blocks.h"
#include "models/unet/regional_attention.h"

namespace palette {

// GEGLU feed-forward: ff.net.0.proj (dim → 2·4·dim), gelu gate, ff.net.2 (4·dim → dim).
class FeedForwardImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit FeedForwardImpl(int64_t dim);
  torch::Tensor forward(const torch::Tensor& x);  // (B,N,dim) → (B,N,dim)
  torch::Tensor gated(const torch::Tensor& x);    // forward before the last Linear: (B,N,4·dim)
  torch::nn::Linear output_layer() const { return out_; }

  torch::nn::ModuleList net{nullptr};  // [GEGLU{proj}, Identity (diffusers' dropout), Linear]

 private:
  torch::nn::Linear proj_{nullptr}, out_{nullptr};
};
TORCH_MODULE(FeedForward);

struct TransformerOptions {
  int64_t channels = 0;  // in and out channels of the Transformer2DModel
  int64_t heads = 1;     // head_dim = channels / heads, as diffusers computes it
  int64_t cross_attention_dim = 0;
  int64_t layers = 1;              // transformer_blocks
  int64_t groups = 32;             // GroupNorm groups of `norm`
  bool linear_projection = false;  // proj_in/proj_out as Linear (SD 2.x) instead of 1×1 Conv2d
  bool upcast_attention = false;
};

// Self-attention, cross-attention and feed-forward, each pre-LayerNorm with a residual.
class BasicTransformerBlockImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit BasicTransformerBlockImpl(const TransformerOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const CrossContext& context);  // (B,N,C) → (B,N,C)
  // The fused path's form: h holds the block's input less `pending`, a per-channel vector still owed
  // to it (undefined = zero); on return the same holds for the block's output. The residual sums are
  // made in place by the projections' GEMMs and their biases gathered in `pending`
  // (fused::Ops::add_linear_without_bias_), so no residual costs a pass of its own.
  void forward_into(torch::Tensor& h, torch::Tensor& pending, const CrossContext& context);

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  Attention attn1{nullptr}, attn2{nullptr};
  FeedForward ff{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

// diffusers' Transformer2DModel for continuous inputs: norm, proj_in, transformer_blocks, proj_out, and
// a residual around all of it.
class Transformer2DImpl : public torch::nn::Module, public fused::Caller {
 public:
  explicit Transformer2DImpl(const TransformerOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const CrossContext& context);  // (B,C,H,W) → same

  torch::nn::GroupNorm norm{nullptr};
  torch::nn::Conv2d proj_in_conv{nullptr}, proj_out_conv{nullptr};  // registered as proj_in/proj_out
  torch::nn::Linear proj_in_linear{nullptr}, proj_out_linear{nullptr};
  torch::nn::ModuleList transformer_blocks{nullptr};

 private:
  // The NHWC path with fused kernels (kernels/fused_ops.h), taken when fused_.applies(x).
  torch::Tensor forward_nhwc(const torch::Tensor& x, const CrossContext& context);
  std::vector<BasicTransformerBlock> blocks_;
};
TORCH_MODULE(Transformer2D);

struct UNetBlockOptions {
  int64_t in_channels = 0;  // down: block input; up: skip channels of the last resnet
  int64_t out_channels = 0;
  int64_t prev_output_channels = 0;  // up blocks only: channels arriving from the block below
  int64_t temb_channels = 0;
  int64_t resnets = 1;
  bool cross_attention = false;  // CrossAttn*Block2D: a Transformer2D after each resnet
  bool sampler = false;          // a downsampler / upsampler at the end
  int64_t downsample_padding = 1;
  double resnet_eps = 1e-5;
  double output_scale_factor = 1.0;
  TransformerOptions transformer;  // channels is set by the block
};

// CrossAttnDownBlock2D or DownBlock2D: resnets, attentions (cross-attention only), downsamplers.
class UNetDownBlockImpl : public torch::nn::Module {
 public:
  explicit UNetDownBlockImpl(const UNetBlockOptions& options);
  // Runs the block and appends each resnet's (or transformer's) output and the downsampled output to
  // `skips`, for the up blocks. Returns the last of them: (B,out,H',W') with H' = ceil(H/2) after a
  // downsampler, H otherwise.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb_act, const CrossContext& context,
                        std::vector<torch::Tensor>& skips);

  torch::nn::ModuleList resnets{nullptr}, attentions{nullptr}, downsamplers{nullptr};

 private:
  std::vector<ResnetBlock2D> resnet_list_;
  std::vector<Transformer2D> attention_list_;
  Downsample2D downsampler_{nullptr};
};
TORCH_MODULE(UNetDownBlock);

// UNetMidBlock2DCrossAttn: resnet, then (transformer, resnet).
class UNetMidBlockImpl : public torch::nn::Module {
 public:
  explicit UNetMidBlockImpl(const UNetBlockOptions& options);  // uses in_channels, resnets = 2
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb_act, const CrossContext& context);

  torch::nn::ModuleList resnets{nullptr}, attentions{nullptr};

 private:
  std::vector<ResnetBlock2D> resnet_list_;
  std::vector<Transformer2D> attention_list_;
};
TORCH_MODULE(UNetMidBlock);

// CrossAttnUpBlock2D or UpBlock2D: resnets over [x, skip] concatenations, attentions, upsamplers.
class UNetUpBlockImpl : public torch::nn::Module {
 public:
  explicit UNetUpBlockImpl(const UNetBlockOptions& options);
  // Takes its skip connections from the back of `skips` (one per resnet), then upsamples to the
  // spatial size of the new skips.back(), so that latent sides not divisible by 2^upsamplers come out
  // at their original size. Returns (B,out,H2,W2).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb_act, const CrossContext& context,
                        std::vector<torch::Tensor>& skips);

  torch::nn::ModuleList resnets{nullptr}, attentions{nullptr}, upsamplers{nullptr};

 private:
  std::vector<ResnetBlock2D> resnet_list_;
  std::vector<Transformer2D> attention_list_;
  Upsample2D upsampler_{nullptr};
};
TORCH_MODULE(UNetUpBlock);

}  // namespace palette
