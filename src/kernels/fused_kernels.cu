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

// Stage 1 of GroupNorm: per-channel sums of x (+ addend[n, c]) and of its squares over one run of
// pixels, written (not accumulated) to partial[n][block][c][2]. Block: `lanes` = C/8 threads across
// the channels × `rows` pixel rows; the rows are summed in a fixed order, so results are bitwise
// reproducible (no atomics): a still stream frame stays still.
template <typename T>
__global__ void group_partial_nhwc(const T* __restrict__ x, const T* __restrict__ addend,
                                   float* __restrict__ partial, int64_t hw, int c, int pixels_per_block) {
  extern __shared__ float shared[];  // rows × c × 2
  const int lanes = c / 8;
  const int lane = threadIdx.x % lanes, row = threadIdx.x / lanes, rows = blockDim.x / lanes;
  const int64_t n = blockIdx.y;
  float add[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (addend) load8(addend + n * c + lane * 8, add);
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, q[8] = {0, 0, 0, 0, 0, 0, 0, 0};
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
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    shared[(row * c + lane * 8 + k) * 2] = s[k];
    shared[(row * c + lane * 8 + k) * 2 + 1] = q[k];
  }
  __syncthreads();
  if (row == 0) {
    float* out = partial + ((n * gridDim.x + blockIdx.x) * c + lane * 8) * 2;
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      float ts = 0.f, tq = 0.f;
      for (int r = 0; r < rows; ++r) {
        ts += shared[(r * c + lane * 8 + k) * 2];
        tq += shared[(r * c + lane * 8 + k) * 2 + 1];
      }
      out[k * 2] = ts;
      out[k * 2 + 1] = tq;
    }
  }
}

// Stage 2: one block per (group, sample) sums the group's channels over all pixel runs in a fixed
// order and stores mean and 1/sqrt(var + eps) in stats[(n·G + g)·2 + {0, 1}].
__global__ void group_finalize(const float* __restrict__ partial, float* __restrict__ stats, int blocks, int c,
                               int cpg, float count, float eps) {
  __shared__ float ss[256], sq[256];
  const int g = blockIdx.x, groups = gridDim.x;
  const int64_t n = blockIdx.y;
  float ts = 0.f, tq = 0.f;
  const int items = blocks * cpg;
  for (int i = threadIdx.x; i < items; i += blockDim.x) {
    const int b = i / cpg, ch = g * cpg + i % cpg;
    const float* p = partial + ((n * blocks + b) * c + ch) * 2;
    ts += p[0];
    tq += p[1];
  }
  ss[threadIdx.x] = ts;
  sq[threadIdx.x] = tq;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) {
      ss[threadIdx.x] += ss[threadIdx.x + stride];
      sq[threadIdx.x] += sq[threadIdx.x + stride];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const float mean = ss[0] / count;
    const float var = fmaxf(sq[0] / count - mean * mean, 0.f);
    stats[(n * groups + g) * 2] = mean;
    stats[(n * groups + g) * 2 + 1] = rsqrtf(var + eps);
  }
}

// Stage 3: y = (x + addend − mean) · rstd · gamma + beta, then SiLU when asked. The same block layout
// as stage 1: a thread keeps its 8 channels, so their scale and shift are computed once and the
// per-pixel loop has no index division (64-bit divisions made a first version 3× slower than memory).
template <typename T>
__global__ void group_apply_nhwc(const T* __restrict__ x, const T* __restrict__ addend, const float* __restrict__ stats,
                                 const T* __restrict__ gamma, const T* __restrict__ beta, T* __restrict__ y,
                                 int64_t hw, int c, int cpg, int groups, int pixels_per_block, bool silu) {
  const int lanes = c / 8;
  const int lane = threadIdx.x % lanes, row = threadIdx.x / lanes, rows = blockDim.x / lanes;
  const int64_t n = blockIdx.y;
  const int c0 = lane * 8;
  float gm[8], bt[8], add[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  load8(gamma + c0, gm);
  load8(beta + c0, bt);
  if (addend) load8(addend + n * c + c0, add);
  // y = x · scale + shift per channel, with the addend folded into the shift.
  float scale[8], shift[8];
  const float* st = stats + n * groups * 2;
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    const int g = (c0 + k) / cpg;
    scale[k] = st[g * 2 + 1] * gm[k];
    shift[k] = (add[k] - st[g * 2]) * scale[k] + bt[k];
  }
  const int64_t first = int64_t(blockIdx.x) * pixels_per_block;
  const int64_t last = min(hw, first + pixels_per_block);
  for (int64_t p = first + row; p < last; p += rows) {
    const int64_t e = (n * hw + p) * c + c0;
    float v[8];
    load8(x + e, v);
#pragma unroll
    for (int k = 0; k < 8; ++k) {
      float r = v[k] * scale[k] + shift[k];
      if (silu) r = __fdividef(r, 1.f + __expf(-r));
      v[k] = r;
    }
    store8(y + e, v);
  }
}

// LayerNorm over the last dimension (c a multiple of 8, at most 32·8·kLayerNormVectors): one warp
// per row, the row held in registers, mean then the centred variance (two passes, as ATen does).
constexpr int kLayerNormVectors = 8;

template <typename T>
__global__ void layer_norm_rows(const T* __restrict__ x, const T* __restrict__ addend, const T* __restrict__ gamma,
                                const T* __restrict__ beta, T* __restrict__ y, int64_t rows, int c, float eps) {
  const int lane = threadIdx.x % 32;
  const int64_t row = blockIdx.x * int64_t(blockDim.x / 32) + threadIdx.x / 32;
  if (row >= rows) return;
  const int vectors = c / 8;
  float v[kLayerNormVectors][8];
  float sum = 0.f;
#pragma unroll
  for (int j = 0; j < kLayerNormVectors; ++j) {
    const int vi = lane + j * 32;
    if (vi < vectors) {
      load8(x + row * c + vi * 8, v[j]);
      if (addend) {
        float a[8];
        load8(addend + vi * 8, a);
#pragma unroll
        for (int k = 0; k < 8; ++k) v[j][k] += a[k];
      }
#pragma unroll
      for (int k = 0; k < 8; ++k) sum += v[j][k];
    }
  }
  for (int o = 16; o > 0; o /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  const float mean = sum / c;
  float var = 0.f;
#pragma unroll
  for (int j = 0; j < kLayerNormVectors; ++j)
    if (lane + j * 32 < vectors)
#pragma unroll
      for (int k = 0; k < 8; ++k) var += (v[j][k] - mean) * (v[j][k] - mean);
  for (int o = 16; o > 0; o /= 2) var += __shfl_xor_sync(0xffffffffu, var, o);
  const float rstd = rsqrtf(var / c + eps);
#pragma unroll
  for (int j = 0; j < kLayerNormVectors; ++j) {
    const int vi = lane + j * 32;
    if (vi < vectors) {
      float gm[8], bt[8], out[8];
      load8(gamma + vi * 8, gm);
      load8(beta + vi * 8, bt);
#pragma unroll
      for (int k = 0; k < 8; ++k) out[k] = (v[j][k] - mean) * rstd * gm[k] + bt[k];
      store8(y + row * c + vi * 8, out);
    }
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

// out[m, j] = x[m, j] · gelu(x[m, inner + j]) with the exact (erf) GELU. Rows across the grid
// (grid-stride), a row's 8-wide vectors across the block's threads: no index division.
template <typename T>
__global__ void geglu_rows(const T* __restrict__ x, T* __restrict__ out, int64_t rows, int inner) {
  const int vectors = inner / 8;
  for (int64_t m = blockIdx.x; m < rows; m += gridDim.x) {
    const T* in = x + m * 2 * inner;
    T* o_row = out + m * inner;
    for (int v = threadIdx.x; v < vectors; v += blockDim.x) {
      float a[8], g[8], o[8];
      load8(in + v * 8, a);
      load8(in + inner + v * 8, g);
#pragma unroll
      for (int k = 0; k < 8; ++k) o[k] = a[k] * 0.5f * g[k] * (1.f + erff(g[k] * 0.70710678118654752f));
      store8(o_row + v * 8, o);
    }
  }
}

int blocks_for(int64_t vectors, int threads) {
  const int64_t wanted = (vectors + threads - 1) / threads;
  return int(wanted < 65535 * 8 ? wanted : 65535 * 8);
}

struct GroupLayout {
  int rows, threads, pixels_per_block, blocks;
};

GroupLayout group_layout(int64_t pixels, int64_t channels) {
  const int lanes = int(channels / 8);
  int rows = int(4096 / channels);  // shared memory: rows × channels × 8 bytes ≤ 32 KB
  if (rows > 8) rows = 8;
  if (rows > 1024 / lanes) rows = 1024 / lanes;
  if (rows < 1) rows = 1;
  const int pixels_per_block = rows * 16;
  return {rows, lanes * rows, pixels_per_block, int((pixels + pixels_per_block - 1) / pixels_per_block)};
}

template <typename T>
void group_norm_typed(const GroupNormArgs& a, cudaStream_t stream) {
  const GroupLayout l = group_layout(a.pixels, a.channels);
  const int c = int(a.channels), cpg = int(a.channels / a.groups);
  float* partial = a.scratch;
  float* stats = a.scratch + 2 * a.batch * l.blocks * a.channels;
  group_partial_nhwc<T><<<dim3(unsigned(l.blocks), unsigned(a.batch)), l.threads, size_t(l.rows) * c * 8, stream>>>(
      static_cast<const T*>(a.x), static_cast<const T*>(a.addend), partial, a.pixels, c, l.pixels_per_block);
  group_finalize<<<dim3(unsigned(a.groups), unsigned(a.batch)), 256, 0, stream>>>(
      partial, stats, l.blocks, c, cpg, float(a.pixels * cpg), a.eps);
  group_apply_nhwc<T><<<dim3(unsigned(l.blocks), unsigned(a.batch)), l.threads, 0, stream>>>(
      static_cast<const T*>(a.x), static_cast<const T*>(a.addend), stats, static_cast<const T*>(a.gamma),
      static_cast<const T*>(a.beta), static_cast<T*>(a.y), a.pixels, c, cpg, int(a.groups), l.pixels_per_block,
      a.silu);
}

template <typename T>
void layer_norm_typed(const void* x, const void* addend, const void* gamma, const void* beta, void* y, int64_t rows,
                      int64_t c, float eps, cudaStream_t stream) {
  const int warps = 8;
  const int64_t blocks = (rows + warps - 1) / warps;
  layer_norm_rows<T><<<unsigned(blocks), warps * 32, 0, stream>>>(static_cast<const T*>(x), static_cast<const T*>(addend),
                                                                   static_cast<const T*>(gamma),
                                                                   static_cast<const T*>(beta), static_cast<T*>(y),
                                                                   rows, int(c), eps);
}

}  // namespace

bool group_norm_supported(int64_t channels, int64_t groups) {
  return channels % 8 == 0 && channels <= 4096 && groups <= kMaxGroups && channels % groups == 0;
}

int64_t group_norm_scratch_floats(int64_t batch, int64_t pixels, int64_t channels, int64_t groups) {
  return 2 * batch * group_layout(pixels, channels).blocks * channels + 2 * batch * groups;
}

bool layer_norm_supported(int64_t channels) { return channels % 8 == 0 && channels <= 32 * 8 * kLayerNormVectors; }

int layer_norm(DType dtype, const void* x, const void* addend, const void* gamma, const void* beta, void* y,
               int64_t rows, int64_t channels, float eps, Stream stream) {
  switch (dtype) {
    case DType::f32: layer_norm_typed<float>(x, addend, gamma, beta, y, rows, channels, eps, stream); break;
    case DType::f16: layer_norm_typed<__half>(x, addend, gamma, beta, y, rows, channels, eps, stream); break;
    case DType::bf16: layer_norm_typed<__nv_bfloat16>(x, addend, gamma, beta, y, rows, channels, eps, stream); break;
  }
  return int(cudaGetLastError());
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
  const int threads = inner / 8 >= 256 ? 256 : 128;
  const int blocks = int(rows < 65535 * 16 ? rows : 65535 * 16);
  switch (dtype) {
    case DType::f32:
      geglu_rows<float><<<blocks, threads, 0, stream>>>(static_cast<const float*>(x), static_cast<float*>(out), rows,
                                                        int(inner));
      break;
    case DType::f16:
      geglu_rows<__half><<<blocks, threads, 0, stream>>>(static_cast<const __half*>(x), static_cast<__half*>(out), rows,
                                                         int(inner));
      break;
    case DType::bf16:
      geglu_rows<__nv_bfloat16><<<blocks, threads, 0, stream>>>(static_cast<const __nv_bfloat16*>(x),
                                                                static_cast<__nv_bfloat16*>(out), rows, int(inner));
      break;
  }
  return int(cudaGetLastError());
}

}  // namespace palette::fused::cuda
