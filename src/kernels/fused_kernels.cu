// The fused CUDA kernels behind kernels/fused_ops.h. Plain CUDA on raw pointers: no LibTorch header
// reaches nvcc, so this file builds with any CUDA toolkit LibTorch's own build is compatible with.
// Layout: activations are NHWC (channels innermost), C a multiple of 8, pointers 16-byte aligned;
// every element is read and written as part of an 8-wide vector. Arithmetic is float32.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>


#include <cstdint>

#include "kernels/fused_kernels.h"

namespace palette::fused::cuda {

namespace {

template <typename T>
struct alignas(sizeof(T) * 8) Vec8 {
  T v[8];
};

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T>
__device__ __forceinline__ T from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) { return x; }
template <>
__device__ __forceinline__ __half from_float<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

template <typename T>
__device__ __forceinline__ void load8(const T* p, float out[8]) {
  const Vec8<T> v = *reinterpret_cast<const Vec8<T>*>(p);
#pragma unroll
  for (int k = 0; k < 8; ++k) out[k] = to_float(v.v[k]);
}

template <typename T>
__device__ __forceinline__ void store8(T* p, const float in[8]) {
  Vec8<T> v;
#pragma unroll
  for (int k = 0; k < 8; ++k) v.v[k] = from_float<T>(in[k]);
  *reinterpret_cast<Vec8<T>*>(p) = v;
}

constexpr int kMaxGroups = 128;

// Per-(n, group) sums of x (+ addend[n, c]) and of its squares, added into acc[(n·G + g)·2 + {0, 1}].
// Block: `lanes` = C/8 threads across the channels × `rows` pixel rows; blockIdx.x picks a run of
// pixels, blockIdx.y the sample. Each thread sums its 8 channels over its pixels, folds them into
// their groups, and the block adds its groups' totals to global memory once.
template <typename T>
__global__ void group_stats_nhwc(const T* __restrict__ x, const T* __restrict__ addend, float* __restrict__ acc,
                                 int64_t hw, int c, int cpg, int groups, int pixels_per_block) {
  __shared__ float shared[kMaxGroups * 2];
  const int lanes = c / 8;
  const int lane = threadIdx.x % lanes, row = threadIdx.x / lanes, rows = blockDim.x / lanes;
  const int64_t n = blockIdx.y;
  for (int i = threadIdx.x; i < groups * 2; i += blockDim.x) shared[i] = 0.f;
  __syncthreads();
  float add[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (addend) load8(addend + n * c + lane * 8, add);
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, q[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (row < rows) {
    const int64_t first = int64_t(blockIdx.x) * pixels_per_block;
    const int64_t last = min(hw, first + pixels_per_block);
    for (int64_t p = first + row; p < last; p += rows) {
      float v[8];
      load8(x + (n * hw + p) * c + lane * 8, v);
#pragma unroll
      for (int k = 0; k < 8; ++k) {
        const float a = v[k] + add[k];
        s[k] += a;
        q[k] += a * a;
      }
    }
    int g = (lane * 8) / cpg;
    float gs = 0.f, gq = 0.f;
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const int gk = (lane * 8 + k) / cpg;
      if (gk != g) {
        atomicAdd(&shared[g * 2], gs);
        atomicAdd(&shared[g * 2 + 1], gq);
        g = gk;
        gs = gq = 0.f;
      }
      gs += s[k];
      gq += q[k];
    }
    atomicAdd(&shared[g * 2], gs);
    atomicAdd(&shared[g * 2 + 1], gq);
  }
  __syncthreads();
  for (int i = threadIdx.x; i < groups * 2; i += blockDim.x) atomicAdd(&acc[n * groups * 2 + i], shared[i]);
}

// y = (x + addend − mean) · rstd · gamma + beta, then SiLU when asked; one 8-wide vector per step.
template <typename T>
__global__ void group_apply_nhwc(const T* __restrict__ x, const T* __restrict__ addend, const float* __restrict__ acc,
                                 const T* __restrict__ gamma, const T* __restrict__ beta, T* __restrict__ y,
                                 int64_t vectors, int64_t hw, int c, int cpg, int groups, float count, float eps,
                                 bool silu) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < vectors; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t e = i * 8;
    const int c0 = int(e % c);
    const int64_t n = e / (hw * c);
    float v[8], gm[8], bt[8], add[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    load8(x + e, v);
    load8(gamma + c0, gm);
    load8(beta + c0, bt);
    if (addend) load8(addend + n * c + c0, add);
    float out[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      const int g = (c0 + k) / cpg;
      const float mean = acc[(n * groups + g) * 2] / count;
      const float var = fmaxf(acc[(n * groups + g) * 2 + 1] / count - mean * mean, 0.f);
      float r = (v[k] + add[k] - mean) * rsqrtf(var + eps) * gm[k] + bt[k];
      if (silu) r = r / (1.f + __expf(-r));
      out[k] = r;
    }
    store8(y + e, out);
  }
}

// y = (y + bias[c] + residual) · scale in place.
template <typename T>
__global__ void bias_residual_nhwc(T* __restrict__ y, const T* __restrict__ bias, const T* __restrict__ residual,
                                   int64_t vectors, int c, float scale) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < vectors; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t e = i * 8;
    float v[8], b[8] = {0, 0, 0, 0, 0, 0, 0, 0}, r[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    load8(y + e, v);
    if (bias) load8(bias + int(e % c), b);
    if (residual) load8(residual + e, r);
#pragma unroll
    for (int k = 0; k < 8; ++k) v[k] = (v[k] + b[k] + r[k]) * scale;
    store8(y + e, v);
  }
}

// out[m, j] = x[m, j] · gelu(x[m, inner + j]) with the exact (erf) GELU.
template <typename T>
__global__ void geglu_rows(const T* __restrict__ x, T* __restrict__ out, int64_t vectors, int64_t inner) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < vectors; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t e = i * 8;
    const int64_t m = e / inner, j = e % inner;
    float a[8], g[8], o[8];
    load8(x + m * 2 * inner + j, a);
    load8(x + m * 2 * inner + inner + j, g);
#pragma unroll
    for (int k = 0; k < 8; ++k) o[k] = a[k] * 0.5f * g[k] * (1.f + erff(g[k] * 0.70710678118654752f));
    store8(out + e, o);
  }
}

int blocks_for(int64_t vectors, int threads) {
  const int64_t wanted = (vectors + threads - 1) / threads;
  return int(wanted < 65535 * 8 ? wanted : 65535 * 8);
}

template <typename T>
void group_norm_typed(const GroupNormArgs& a, cudaStream_t stream) {
  const int lanes = int(a.channels / 8);
  int rows = 1024 / lanes;
  if (rows > 8) rows = 8;
  if (rows < 1) rows = 1;
  const int threads = lanes * rows;
  const int pixels_per_block = rows * 16;
  const dim3 grid(unsigned((a.pixels + pixels_per_block - 1) / pixels_per_block), unsigned(a.batch));
  cudaMemsetAsync(a.accumulators, 0, sizeof(float) * 2 * a.batch * a.groups, stream);
  const int cpg = int(a.channels / a.groups);
  group_stats_nhwc<T><<<grid, threads, 0, stream>>>(static_cast<const T*>(a.x), static_cast<const T*>(a.addend),
                                                     a.accumulators, a.pixels, int(a.channels), cpg, int(a.groups),
                                                     pixels_per_block);
  const int64_t vectors = a.batch * a.pixels * a.channels / 8;
  group_apply_nhwc<T><<<blocks_for(vectors, 256), 256, 0, stream>>>(
      static_cast<const T*>(a.x), static_cast<const T*>(a.addend), a.accumulators, static_cast<const T*>(a.gamma),
      static_cast<const T*>(a.beta), static_cast<T*>(a.y), vectors, a.pixels, int(a.channels), cpg, int(a.groups),
      float(a.pixels * cpg), a.eps, a.silu);
}

}  // namespace

bool group_norm_supported(int64_t channels, int64_t groups) {
  return channels % 8 == 0 && channels / 8 <= 1024 && groups <= kMaxGroups && channels % groups == 0;
}

int group_norm(DType dtype, const GroupNormArgs& args, cudaStream_t stream) {
  switch (dtype) {
    case DType::f32: group_norm_typed<float>(args, stream); break;
    case DType::f16: group_norm_typed<__half>(args, stream); break;
    case DType::bf16: group_norm_typed<__nv_bfloat16>(args, stream); break;
  }
  return int(cudaGetLastError());
}

int bias_residual(DType dtype, void* y, const void* bias, const void* residual, float scale, int64_t elements,
                  int64_t channels, cudaStream_t stream) {
  const int64_t vectors = elements / 8;
  const int blocks = blocks_for(vectors, 256);
  switch (dtype) {
    case DType::f32:
      bias_residual_nhwc<float><<<blocks, 256, 0, stream>>>(static_cast<float*>(y), static_cast<const float*>(bias),
                                                           static_cast<const float*>(residual), vectors, int(channels), scale);
      break;
    case DType::f16:
      bias_residual_nhwc<__half><<<blocks, 256, 0, stream>>>(static_cast<__half*>(y), static_cast<const __half*>(bias),
                                                            static_cast<const __half*>(residual), vectors, int(channels), scale);
      break;
    case DType::bf16:
      bias_residual_nhwc<__nv_bfloat16><<<blocks, 256, 0, stream>>>(
          static_cast<__nv_bfloat16*>(y), static_cast<const __nv_bfloat16*>(bias),
          static_cast<const __nv_bfloat16*>(residual), vectors, int(channels), scale);
      break;
  }
  return int(cudaGetLastError());
}

int geglu(DType dtype, const void* x, void* out, int64_t rows, int64_t inner, cudaStream_t stream) {
  const int64_t vectors = rows * inner / 8;
  const int blocks = blocks_for(vectors, 256);
  switch (dtype) {
    case DType::f32:
      geglu_rows<float><<<blocks, 256, 0, stream>>>(static_cast<const float*>(x), static_cast<float*>(out), vectors, inner);
      break;
    case DType::f16:
      geglu_rows<__half><<<blocks, 256, 0, stream>>>(static_cast<const __half*>(x), static_cast<__half*>(out), vectors, inner);
      break;
    case DType::bf16:
      geglu_rows<__nv_bfloat16><<<blocks, 256, 0, stream>>>(static_cast<const __nv_bfloat16*>(x),
                                                            static_cast<__nv_bfloat16*>(out), vectors, inner);
      break;
  }
  return int(cudaGetLastError());
}

}  // namespace palette::fused::cuda
