#include "kernels/fused_ops.h"

#include <torch/version.h>

#include <string>

#include "build_info.h"
#include "palette/error.h"

#if PALETTE_WITH_CUDA_KERNELS
#include <ATen/cuda/CUDAContext.h>

#include "kernels/fused_kernels.h"
#endif

namespace palette::fused {

namespace {

bool supported_dtype(const torch::Tensor& t) {
  const auto s = t.scalar_type();
  return s == torch::kFloat32 || s == torch::kFloat16 || s == torch::kBFloat16;
}

// A parameter-like tensor the kernels can read as `count` contiguous elements of `like`'s dtype.
bool plain(const torch::Tensor& t, const torch::Tensor& like, int64_t count) {
  return t.defined() && t.is_contiguous() && t.scalar_type() == like.scalar_type() && t.device() == like.device() &&
         t.numel() == count;
}

#if PALETTE_WITH_CUDA_KERNELS
cuda::DType kernel_dtype(const torch::Tensor& t) {
  if (t.scalar_type() == torch::kFloat16) return cuda::DType::f16;
  if (t.scalar_type() == torch::kBFloat16) return cuda::DType::bf16;
  return cuda::DType::f32;
}

cuda::Stream current_stream() { return at::cuda::getCurrentCUDAStream().stream(); }

void check_launch(int status, const char* what) {
  if (status != 0)
    throw Error(std::string("CUDA kernel ") + what + " failed: " + cudaGetErrorString(cudaError_t(status)));
}
#endif

std::array<int64_t, 2> conv_padding(const torch::nn::Conv2d& conv) {
#if TORCH_VERSION_MAJOR >= 2
  const auto& padding = std::get<torch::ExpandingArray<2>>(conv->options.padding());
#else
  const auto& padding = c10::get<torch::ExpandingArray<2>>(conv->options.padding());
#endif
  return {(*padding)[0], (*padding)[1]};
}

}  // namespace

bool kernels_built() { return PALETTE_WITH_CUDA_KERNELS != 0; }

bool Ops::runs_on(const torch::Tensor& x) const {
  return kernels_ && kernels_built() && x.is_cuda() && supported_dtype(x) && !at::GradMode::is_enabled();
}

torch::Tensor Ops::channels_last_input(const torch::Tensor& x) const {
  return runs_on(x) ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
}

bool Ops::applies(const torch::Tensor& x) const {
  return x.defined() && runs_on(x) && x.dim() == 4 && x.size(1) % 8 == 0 &&
         x.is_contiguous(at::MemoryFormat::ChannelsLast);
}

torch::Tensor Ops::group_norm(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                              const torch::Tensor& bias, double eps, bool silu,
                              const torch::Tensor& addend) const {
  const int64_t n = x.size(0), c = x.size(1);
#if PALETTE_WITH_CUDA_KERNELS
  if (applies(x) && cuda::group_norm_supported(c, groups) && plain(weight, x, c) && plain(bias, x, c) &&
      (!addend.defined() || plain(addend, x, n * c))) {
    torch::Tensor y = torch::empty_like(x, at::MemoryFormat::ChannelsLast);
    const int64_t pixels = x.size(2) * x.size(3);
    torch::Tensor scratch = torch::empty({cuda::group_norm_scratch_floats(n, pixels, c, groups)},
                                         x.options().dtype(torch::kFloat32));
    cuda::GroupNormArgs a;
    a.x = x.data_ptr();
    a.addend = addend.defined() ? addend.data_ptr() : nullptr;
    a.gamma = weight.data_ptr();
    a.beta = bias.data_ptr();
    a.y = y.data_ptr();
    a.scratch = scratch.data_ptr<float>();
    a.batch = n;
    a.pixels = pixels;
    a.channels = c;
    a.groups = groups;
    a.eps = float(eps);
    a.silu = silu;
    check_launch(cuda::group_norm(kernel_dtype(x), a, current_stream()), "group_norm");
    return y;
  }
#endif
  const torch::Tensor in = addend.defined() ? x + addend.view({n, c, 1, 1}) : x;
  torch::Tensor y = torch::group_norm(in, groups, weight, bias, eps);
  return silu ? torch::silu(y) : y;
}

torch::Tensor Ops::group_norm(torch::nn::GroupNorm norm, const torch::Tensor& x, bool silu,
                              const torch::Tensor& addend) const {
  const auto& o = norm->options;
  return group_norm(x, o.num_groups(), norm->weight, norm->bias, o.eps(), silu, addend);
}

torch::Tensor& Ops::add_bias_residual_(torch::Tensor& y, const torch::Tensor& bias,
                                       const torch::Tensor& residual, double scale) const {
#if PALETTE_WITH_CUDA_KERNELS
  const int64_t c = y.dim() == 4 ? y.size(1) : 0;
  if (applies(y) && (!bias.defined() || plain(bias, y, c)) &&
      (!residual.defined() || (residual.sizes() == y.sizes() && residual.scalar_type() == y.scalar_type() &&
                               residual.is_contiguous(at::MemoryFormat::ChannelsLast)))) {
    check_launch(cuda::bias_residual(kernel_dtype(y), y.data_ptr(), bias.defined() ? bias.data_ptr() : nullptr,
                                     residual.defined() ? residual.data_ptr() : nullptr, float(scale), y.numel(), c,
                                     current_stream()),
                 "bias_residual");
    return y;
  }
#endif
  if (bias.defined()) y.add_(bias.view({1, -1, 1, 1}));
  if (residual.defined()) y.add_(residual);
  if (scale != 1.0) y.mul_(scale);
  return y;
}

torch::Tensor Ops::conv2d(torch::nn::Conv2d& conv, const torch::Tensor& x,
                          const torch::Tensor& residual) const {
  // Any input width (conv_in takes 4 channels): the kernel works on the output.
  if (!runs_on(x) || x.dim() != 4 || !x.is_contiguous(at::MemoryFormat::ChannelsLast) ||
      conv->weight.size(0) % 8 != 0) {
    torch::Tensor y = conv(x);
    return residual.defined() ? y.add_(residual) : y;
  }
  const auto stride = *conv->options.stride();
  const auto padding = conv_padding(conv);
  torch::Tensor y = torch::conv2d(x, conv->weight, {}, {stride[0], stride[1]}, {padding[0], padding[1]});
  // cuDNN answers a channels-last input with a channels-last output; make sure before the kernel.
  if (!y.is_contiguous(at::MemoryFormat::ChannelsLast)) y = y.contiguous(at::MemoryFormat::ChannelsLast);
  return add_bias_residual_(y, conv->bias, residual);
}

torch::Tensor Ops::geglu(const torch::Tensor& x) const {
  const int64_t inner = x.size(-1) / 2;
#if PALETTE_WITH_CUDA_KERNELS
  if (runs_on(x) && x.is_contiguous() && x.size(-1) % 16 == 0) {
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = inner;
    torch::Tensor out = torch::empty(shape, x.options());
    check_launch(cuda::geglu(kernel_dtype(x), x.data_ptr(), out.data_ptr(), x.numel() / x.size(-1), inner,
                             current_stream()),
                 "geglu");
    return out;
  }
#endif
  const auto halves = x.chunk(2, -1);
  return halves[0] * torch::gelu(halves[1]);
}

torch::Tensor Ops::layer_norm(torch::nn::LayerNorm norm, const torch::Tensor& x,
                              const torch::Tensor& addend) const {
#if PALETTE_WITH_CUDA_KERNELS
  const int64_t c = x.size(-1);
  const auto& shape = norm->options.normalized_shape();
  if (runs_on(x) && x.is_contiguous() && shape.size() == 1 && shape[0] == c &&
      cuda::layer_norm_supported(c) && plain(norm->weight, x, c) && plain(norm->bias, x, c) &&
      (!addend.defined() || plain(addend, x, c))) {
    torch::Tensor y = torch::empty_like(x, at::MemoryFormat::Contiguous);
    check_launch(cuda::layer_norm(kernel_dtype(x), x.data_ptr(), addend.defined() ? addend.data_ptr() : nullptr,
                                  norm->weight.data_ptr(), norm->bias.data_ptr(), y.data_ptr(), x.numel() / c, c,
                                  float(norm->options.eps()), current_stream()),
                 "layer_norm");
    return y;
  }
#endif
  return norm(addend.defined() ? x + addend : x);
}

void Ops::add_linear_without_bias_(torch::Tensor& h, torch::nn::Linear layer, const torch::Tensor& x,
                                   torch::Tensor& pending) const {
  const int64_t out = layer->weight.size(0);
  if (runs_on(h) && h.is_contiguous() && h.size(-1) == out) {
    // cuBLAS reads h as the GEMM's C operand (beta = 1) and writes the sum in place: no separate pass.
    h.view({-1, out}).addmm_(x.reshape({-1, x.size(-1)}), layer->weight.t());
  } else {
    h = h + torch::linear(x, layer->weight);
  }
  if (layer->bias.defined()) pending = pending.defined() ? pending + layer->bias : layer->bias;
}

torch::Tensor Ops::linear(torch::nn::Linear layer, const torch::Tensor& x) const {
  if (runs_on(x)) return torch::linear(x, layer->weight, layer->bias);
  return layer(x);
}

void use_kernels(torch::nn::Module& network, bool kernels) {
  network.apply([kernels](torch::nn::Module& m) {
    if (auto* caller = dynamic_cast<Caller*>(&m)) caller->fused_ = Ops(kernels);
  });
  if (!kernels || !kernels_built()) return;
  torch::NoGradGuard no_grad;
  for (auto& p : network.parameters())
    if (p.dim() == 4 && p.is_cuda()) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

}  // namespace palette::fused
