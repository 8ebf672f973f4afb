// Math attention over large score matrices in query chunks (the LibTorch 1.13 CPU path of
// attention()), with its own backward: a chunk's softmax weights are recomputed when the gradient
// runs instead of being kept for every head, so a backward through the UNet at 64×64 latents holds
// O(queries·head_dim) per head rather than queries × keys (4096² floats per head and item).
//
//   torch::Tensor out = chunked_attention(q * scale, k, v);  // (rows, n, d), (rows, m, d), (rows, m, dv)
//
// Failures: none of its own (shape errors come from the matrix products).
// Thread safety: a pure function.
#pragma once

#include <torch/torch.h>

namespace palette {

// softmax(q kᵀ) v row by row, `q` already scaled: q (rows, n, d), k (rows, m, d), v (rows, m, dv) →
// (rows, n, dv) in v's dtype. Differentiable w.r.t. all three when grad mode is on.
torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

}  // namespace palette
