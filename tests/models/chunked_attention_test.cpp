// The chunked math attention (LibTorch 1.13's CPU path for large score matrices) against the plain
// formulation, forward and gradients, with chunks that do not divide the queries evenly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/chunked_attention.h"
#include "support/parity.h"

namespace palette {
namespace {

TEST(ChunkedAttention, ForwardAndGradientsAsThePlainFormulation) {
  // 2048 keys give chunks of 512 queries: 700 queries are one full chunk and one partial.
  for (const auto dtype : {torch::kFloat64, torch::kFloat32}) {
    torch::manual_seed(3);
    const auto q = torch::randn({3, 700, 4}, dtype).requires_grad_(true);
    const auto k = torch::randn({3, 2048, 4}, dtype).requires_grad_(true);
    const auto v = torch::randn({3, 2048, 5}, dtype).requires_grad_(true);
    const auto upstream = torch::randn({3, 700, 5}, dtype);
    const auto plain = torch::matmul(torch::softmax(torch::matmul(q, k.transpose(1, 2)), -1), v);
    const auto expected = torch::autograd::grad({plain}, {q, k, v}, {upstream});
    const auto out = chunked_attention(q, k, v);
    const auto grads = torch::autograd::grad({out}, {q, k, v}, {upstream});
    const double tolerance = dtype == torch::kFloat64 ? 1e-12 : 1e-5;
    EXPECT_TRUE(test::check_parity("output", out, plain, tolerance));
    EXPECT_TRUE(test::check_parity("dq", grads[0], expected[0], tolerance));
    EXPECT_TRUE(test::check_parity("dk", grads[1], expected[1], tolerance));
    EXPECT_TRUE(test::check_parity("dv", grads[2], expected[2], tolerance));
  }
}

TEST(ChunkedAttention, NoGraphWithoutGrad) {
  torch::NoGradGuard no_grad;
  const auto q = torch::randn({1, 8, 4}).requires_grad_(true);
  EXPECT_FALSE(chunked_attention(q, torch::randn({1, 16, 4}), torch::randn({1, 16, 4})).requires_grad());
}

}  // namespace
}  // namespace palette
