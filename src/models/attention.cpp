#include "models/attention.h"

#include <torch/version.h>

#include <cmath>

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
  // baddbmm-style: fold the scale into q, which is cheaper than scaling the (queries × keys) scores.
  auto weights = torch::softmax(torch::matmul(q * scale, k.transpose(-1, -2)), -1);
  return torch::matmul(weights, v);
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
