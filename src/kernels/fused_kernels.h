// Launchers of the fused CUDA kernels (fused_kernels.cu), on raw device pointers so that neither side
// needs the other's headers. Callers go through kernels/fused_ops.h, which checks shapes, layouts and
// dtypes; these functions trust them. Each returns the cudaError_t of its launch (0 = success).
#pragma once

#include <cstdint>

struct CUstream_st;

namespace palette::fused::cuda {

using Stream = CUstream_st*;  // cudaStream_t

enum class DType { f32, f16, bf16 };

struct GroupNormArgs {
  const void* x = nullptr;       // (batch, pixels, channels), channels innermost
  const void* addend = nullptr;  // optional (batch, channels): added to x before normalising
  const void* gamma = nullptr;   // (channels)
  const void* beta = nullptr;    // (channels)
  void* y = nullptr;             // like x
  float* scratch = nullptr;      // group_norm_scratch_floats(…) floats
  int64_t batch = 0, pixels = 0, channels = 0, groups = 0;
  float eps = 1e-5f;
  bool silu = false;
};

// Whether group_norm handles this channel and group count (channels a multiple of 8, ≤ 4096; ≤ 128 groups).
bool group_norm_supported(int64_t channels, int64_t groups);
int64_t group_norm_scratch_floats(int64_t batch, int64_t pixels, int64_t channels, int64_t groups);
int group_norm(DType dtype, const GroupNormArgs& args, Stream stream);
// LayerNorm of each row of x + addend (rows, channels; addend per channel, may be null) with affine
// gamma/beta; channels a multiple of 8, ≤ 2048.
bool layer_norm_supported(int64_t channels);
int layer_norm(DType dtype, const void* x, const void* addend, const void* gamma, const void* beta, void* y,
               int64_t rows, int64_t channels, float eps, Stream stream);
// y = (y + bias[c] + residual) · scale in place; bias and residual may be null; elements a multiple of 8.
int bias_residual(DType dtype, void* y, const void* bias, const void* residual, float scale, int64_t elements,
                  int64_t channels, Stream stream);
// out (rows, inner) = x[:, :inner] · gelu(x[:, inner:]) for x (rows, 2·inner); inner a multiple of 8.
int geglu(DType dtype, const void* x, void* out, int64_t rows, int64_t inner, Stream stream);

}  // namespace palette::fused::cuda
