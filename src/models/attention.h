// Scaled dot-product attention, the one place that picks the kernel: PyTorch's fused
// scaled_dot_product_attention where LibTorch has it (2.x: flash / memory-efficient kernels on CUDA),
// the plain math formulation otherwise (1.13).
#pragma once

#include <torch/torch.h>

namespace palette {

// q: (batch, heads, queries, head_dim); k, v: (batch, heads, keys, head_dim). Returns
// (batch, heads, queries, head_dim) in q's dtype. `upcast`: compute scores and softmax in float32
// (SD 2.x's upcast_attention; the fused kernels accumulate in float32 anyway).
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool upcast = false);

// (batch, tokens, heads·head_dim) ↔ (batch, heads, tokens, head_dim).
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
torch::Tensor merge_heads(const torch::Tensor& x);

}  // namespace palette
