// LPIPS v0.1 against the LPIPS package: distance and gradient w.r.t. the input, AlexNet trunk.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/lpips/lpips.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

constexpr double kTolerance = 1e-4;

// The input gradient is held to 3e-4: ours measures 1.5e-4 from the fixture's, and the same computation
// in float64 measures the same 1.5e-4 while agreeing with our float32 result to 2e-6 (the distance
// itself agrees to 2e-6). The gap is spread smoothly over the image, not in a few pixels, and is not
// fp16 rounding of the stored gradient; it sits in the reference's gradient, not in our numerics.
constexpr double kGradTolerance = 3e-4;

std::filesystem::path alex_weights() {
  return test::fixtures_dir() / "lpips_alex_weights.safetensors";
}

TEST(Parity, lpips_alex_case) {
  auto lpips = load_lpips(alex_weights());
  EXPECT_EQ(lpips->net_kind(), LpipsNet::Alex);
  const auto file = test::open_case("lpips_alex_case");
  const auto in0 = file.load("in0", torch::kFloat).requires_grad_(true);
  const auto in1 = file.load("in1", torch::kFloat);
  const auto expected = file.load("distance", torch::kFloat).flatten();  // stored (B,1,1,1)
  const auto d = lpips->distance(in0, in1);
  EXPECT_TRUE(test::check_parity("lpips_alex distance", d, expected, kTolerance));
  // The reference's gradient is that of the summed batch distances w.r.t. the first input.
  const auto grad = torch::autograd::grad({d.sum()}, {in0})[0];
  EXPECT_TRUE(
      test::check_parity("lpips_alex grad_in0", grad, file.load("grad_in0", torch::kFloat), kGradTolerance));
  // Cached features (SyncDiffusion's anchor) give the same distance.
  torch::NoGradGuard no_grad;
  const auto anchor = lpips->features(in1);
  EXPECT_TRUE(test::check_parity("lpips_alex cached features", lpips->distance(lpips->features(in0), anchor),
                                 expected, kTolerance));
}

}  // namespace
}  // namespace palette
