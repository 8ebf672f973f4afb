#include "models/attention.h"

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
  // Fold the scale into q, which is cheaper than scaling the (queries × keys) scores. Queries are
  // taken in chunks so the score tensor stays near kMaxScoreElements: a 64×64 latent has 4096 tokens,
  // whose full score tensor (1 GiB per layer at batch 8) costs more in page faults than in arithmetic.
  const torch::Tensor qs = q * scale;
  const torch::Tensor kt = k.transpose(-1, -2);
  constexpr int64_t kMaxScoreElements = int64_t(1) << 22;
  const int64_t rows = q.numel() / std::max<int64_t>(q.size(-1), 1) / std::max<int64_t>(q.size(-2), 1);
  const int64_t per_query = std::max<int64_t>(rows * k.size(-2), 1);
  const int64_t chunk = std::max<int64_t>(kMaxScoreElements / per_query, 1);
  if (chunk >= q.size(-2)) return torch::matmul(torch::softmax(torch::matmul(qs, kt), -1), v);
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < q.size(-2); start += chunk) {
    const torch::Tensor scores = torch::matmul(qs.narrow(-2, start, std::min(chunk, q.size(-2) - start)), kt);
    parts.push_back(torch::matmul(torch::softmax(scores, -1), v));
  }
  return torch::cat(parts, -2);
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
