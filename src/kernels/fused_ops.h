// Fused operations for the inference path of the UNet and the autoencoders on CUDA: GroupNorm with an
// optional per-channel addend and SiLU (three small deterministic kernels: partial sums, group totals,
// apply), a convolution's bias added together with a residual in one pass, GEGLU and LayerNorm in one
// pass each. Each function has a reference formulation in ATen that gives the same result on
// any device; the fused kernels take over when applies(x) holds (see below), which is what the UNet
// checks before it switches to its NHWC path (models/unet). Whether a network takes them at all is
// its model's choice (ModelOptions::fused_kernels), held by every module that calls them:
//
//   fused::Ops ops(/*kernels=*/true);
//   if (ops.applies(x)) y = ops.group_norm(x, 32, norm->weight, norm->bias, 1e-5, /*silu=*/true);
//
// Why: a profile of the SD 1.5 UNet at batch 15 on an H200 (bench/RESULTS.md) spent 28 of 50 ms in
// memory-bound glue: convolution biases in a non-vectorised broadcast add, GroupNorm's moments then its
// affine then SiLU as three passes, GELU and the gate product as two, and NCHW↔NHWC transposes around
// every cuDNN convolution. Keeping activations NHWC and fusing these passes removes most of it.
#pragma once

#include <torch/torch.h>

namespace palette::fused {

// True when the fused CUDA kernels were built (CMake found a CUDA compiler beside a CUDA LibTorch).
bool kernels_built();

// The operations below as one network runs them: with kernels, the fused CUDA kernels wherever they
// apply; without, the reference formulations everywhere (for before/after measurements).
class Ops {
 public:
  explicit Ops(bool kernels = true) : kernels_(kernels) {}
  bool kernels() const { return kernels_; }  // the choice, whether or not the kernels were built

  // Whether networks run on x take the fused path: kernels chosen and built, a CUDA tensor in float32,
  // float16 or bfloat16, autograd not recording (the kernels have no backward).
  bool runs_on(const torch::Tensor& x) const;
  // x in channels-last memory when runs_on(x) (how the UNet and the autoencoders enter their NHWC
  // path), x itself otherwise.
  torch::Tensor channels_last_input(const torch::Tensor& x) const;
  // Whether x itself takes the fused kernels: runs_on(x), 4-D channels-last, channels a multiple of 8.
  bool applies(const torch::Tensor& x) const;

  // GroupNorm of (x + addend[n, c, None, None]) with affine weight/bias, then SiLU when `silu`.
  // x (N, C, H, W); addend (N, C) or undefined. Channels-last in, channels-last out on the fused path.
  torch::Tensor group_norm(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                           const torch::Tensor& bias, double eps, bool silu,
                           const torch::Tensor& addend = {}) const;
  // The same with a GroupNorm module's groups, affine parameters and epsilon.
  torch::Tensor group_norm(torch::nn::GroupNorm norm, const torch::Tensor& x, bool silu,
                           const torch::Tensor& addend = {}) const;

  // y = (y + bias[None, :, None, None] + residual) · scale, in place; returns y. bias (C) and residual
  // (y's shape) may be undefined.
  torch::Tensor& add_bias_residual_(torch::Tensor& y, const torch::Tensor& bias,
                                    const torch::Tensor& residual, double scale = 1.0) const;

  // A 2-D convolution whose bias (and optional residual) is added by add_bias_residual_ on the fused
  // path, instead of cuDNN's separate broadcast add; the module's own forward otherwise.
  torch::Tensor conv2d(torch::nn::Conv2d& conv, const torch::Tensor& x,
                       const torch::Tensor& residual = {}) const;

  // diffusers' GEGLU gate: x (..., 2·inner) → x[..., :inner] · gelu(x[..., inner:]) (exact GELU).
  torch::Tensor geglu(const torch::Tensor& x) const;

  // LayerNorm of x + addend over the last dimension in one kernel (one warp per row) on the fused path;
  // the module's forward otherwise. ATen's kernel took 100 µs for a (15·4096, 320) half tensor that one
  // read and one write move in 16 µs. `addend`: a per-channel vector (C,) in x's dtype, or undefined.
  torch::Tensor layer_norm(torch::nn::LayerNorm norm, const torch::Tensor& x,
                           const torch::Tensor& addend = {}) const;

  // h += x·Wᵀ for a Linear layer, its bias left out and added to `pending` instead (a per-channel vector
  // the caller still owes h; undefined = zero). On the fused path cuBLAS adds into h in place as the
  // GEMM's C operand, so a residual connection costs no pass of its own; the bias then reaches h through
  // whatever reads it next (layer_norm's addend, a following projection's bias). h (…, out) contiguous.
  void add_linear_without_bias_(torch::Tensor& h, torch::nn::Linear layer, const torch::Tensor& x,
                                torch::Tensor& pending) const;

  // A Linear layer through at::linear on the fused path: its bias then rides in cuBLAS's epilogue,
  // where the C++ frontend's Linear adds a 3-D input's bias in a separate broadcast pass (4.5 of the
  // UNet's 36 ms at batch 15). The module's forward otherwise, so CPU results do not move.
  torch::Tensor linear(torch::nn::Linear layer, const torch::Tensor& x) const;

 private:
  bool kernels_;
};

// A module whose forward calls the operations above, through fused_: its network's choice, which
// use_kernels sets in every such module of a network.
class Caller {
 public:
  const Ops& fused_ops() const { return fused_; }

 protected:
  Ops fused_;

 private:
  friend void use_kernels(torch::nn::Module& network, bool kernels);
};

// Sets the choice in every Caller within `network` (itself included), once, at load, before the network
// is shared. With kernels, it also stores the network's 4-D (convolution) weights channels-last where the
// fused path can use them (CUDA parameters, kernels built): cuDNN then reads them without a transpose per
// call. Model::load and Model::random call it with ModelOptions::fused_kernels.
void use_kernels(torch::nn::Module& network, bool kernels);

}  // namespace palette::fused
