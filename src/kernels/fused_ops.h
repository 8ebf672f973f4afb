// Fused operations for the inference path of the UNet and the autoencoders on CUDA: GroupNorm with an
// optional per-channel addend and SiLU (three small deterministic kernels: partial sums, group totals,
// apply), a convolution's bias added together with a residual in one pass, GEGLU and LayerNorm in one
// pass each. Each function has a reference formulation in ATen that gives the same result on
// any device; the fused kernels take over when fused::applies(x) holds (see below), which is what the
// UNet checks before it switches to its NHWC path (models/unet).
//
//   if (fused::applies(x)) y = fused::group_norm(x, 32, norm->weight, norm->bias, 1e-5, /*silu=*/true);
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
// Turns the fused kernels off or on for the whole process (for before/after measurements); on by
// default when built; $PALETTE_FUSED_KERNELS=0 turns them off at start.
void set_enabled(bool enabled);
bool enabled();

// Whether networks run on x take the fused path: kernels built and enabled, a CUDA tensor in float32,
// float16 or bfloat16, autograd not recording (the kernels have no backward).
bool runs_on(const torch::Tensor& x);
// x in channels-last memory when runs_on(x) (how the UNet and the autoencoders enter their NHWC
// path), x itself otherwise.
torch::Tensor channels_last_input(const torch::Tensor& x);
// Whether x itself takes the fused kernels: runs_on(x), 4-D channels-last, channels a multiple of 8.
bool applies(const torch::Tensor& x);

// GroupNorm of (x + addend[n, c, None, None]) with affine weight/bias, then SiLU when `silu`.
// x (N, C, H, W); addend (N, C) or undefined. Channels-last in, channels-last out on the fused path.
torch::Tensor group_norm(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                         const torch::Tensor& bias, double eps, bool silu, const torch::Tensor& addend = {});
// The same with a GroupNorm module's groups, affine parameters and epsilon.
torch::Tensor group_norm(torch::nn::GroupNorm norm, const torch::Tensor& x, bool silu,
                         const torch::Tensor& addend = {});

// y = (y + bias[None, :, None, None] + residual) · scale, in place; returns y. bias (C) and residual
// (y's shape) may be undefined.
torch::Tensor& add_bias_residual_(torch::Tensor& y, const torch::Tensor& bias, const torch::Tensor& residual,
                                  double scale = 1.0);

// A 2-D convolution whose bias (and optional residual) is added by add_bias_residual_ on the fused
// path, instead of cuDNN's separate broadcast add; the module's own forward otherwise.
torch::Tensor conv2d(torch::nn::Conv2d& conv, const torch::Tensor& x, const torch::Tensor& residual = {});

// diffusers' GEGLU gate: x (..., 2·inner) → x[..., :inner] · gelu(x[..., inner:]) (exact GELU).
torch::Tensor geglu(const torch::Tensor& x);

// LayerNorm of x + addend over the last dimension in one kernel (one warp per row) on the fused path;
// the module's forward otherwise. ATen's kernel took 100 µs for a (15·4096, 320) half tensor that one
// read and one write move in 16 µs. `addend`: a per-channel vector (C,) in x's dtype, or undefined.
torch::Tensor layer_norm(torch::nn::LayerNorm norm, const torch::Tensor& x, const torch::Tensor& addend = {});

// h += x·Wᵀ for a Linear layer, its bias left out and added to `pending` instead (a per-channel vector
// the caller still owes h; undefined = zero). On the fused path cuBLAS adds into h in place as the
// GEMM's C operand, so a residual connection costs no pass of its own; the bias then reaches h through
// whatever reads it next (layer_norm's addend, a following projection's bias). h (…, out) contiguous.
void add_linear_without_bias_(torch::Tensor& h, torch::nn::Linear layer, const torch::Tensor& x,
                              torch::Tensor& pending);

// A Linear layer through at::linear on the fused path: its bias then rides in cuBLAS's epilogue,
// where the C++ frontend's Linear adds a 3-D input's bias in a separate broadcast pass (4.5 of the
// UNet's 36 ms at batch 15). The module's forward otherwise, so CPU results do not move.
torch::Tensor linear(torch::nn::Linear layer, const torch::Tensor& x);

// Stores a module's 4-D (convolution) weights channels-last when the fused path can use them (CUDA
// parameters, kernels built): cuDNN then reads them without a transpose per call. Elsewhere nothing.
void prefer_channels_last(torch::nn::Module& module);

}  // namespace palette::fused
