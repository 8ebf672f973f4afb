#include "models/attention.h"

#include "models/chunked_attention.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace palette {

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool upcast) {
#if TORCH_VERSION_MAJOR >= 2
  (void)upcast;
  return at::scaled_dot_product_attention(q, k, v);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  if (upcast && q.scalar_type() != torch::kFloat) {
    auto weights = torch::softmax(torch::matmul(q.to(torch::kFloat), k.to(torch::kFloat).transpose(-1, -2)) * scale, -1);
    return torch::matmul(weights.to(v.scalar_type()), v);
  }
  // Fold the scale into q, which is cheaper than scaling the (queries × keys) scores.
  const torch::Tensor qs = q * scale;
  const int64_t n = q.size(-2), m = k.size(-2);
  const int64_t rows = q.numel() / std::max<int64_t>(q.size(-1), 1) / std::max<int64_t>(n, 1);  // batch·heads
  constexpr int64_t kDirectScoreElements = int64_t(1) << 22;
  if (rows * n * m <= kDirectScoreElements)
    return torch::matmul(torch::softmax(torch::matmul(qs, k.transpose(-1, -2)), -1), v);
  // Large attention (a 64×64 latent has 4096 tokens: 512 MiB of scores per item with 8 heads) runs one
  // head at a time in query chunks of ~2^20 scores. On LibTorch 1.13's CPU backend this is about twice
  // as fast as batched matmuls over narrowed 4-D views, and the scores stay in cache-sized pieces.
  // Its backward recomputes each chunk's weights rather than keeping them all (chunked_attention.h).
  const torch::Tensor out = chunked_attention(
      qs.reshape({rows, n, q.size(-1)}), k.reshape({rows, m, k.size(-1)}), v.reshape({rows, m, v.size(-1)}));
  std::vector<int64_t> shape(q.sizes().begin(), q.sizes().end());
  shape.back() = v.size(-1);
  return out.view(shape);
#endif
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  const auto b = x.size(0), n = x.size(1), d = x.size(2) / heads;
  return x.view({b, n, heads, d}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  const auto b = x.size(0), h = x.size(1), n = x.size(2), d = x.size(3);
  return x.transpose(1, 2).reshape({b, n, h * d});
}

}  // namespace palette
