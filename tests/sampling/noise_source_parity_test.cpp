// Seeded noise equals PyTorch's CPU generator: the reference's recorded initial latents.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "sampling/noise_source.h"
#include "support/parity.h"

namespace palette {
namespace {

// diffusers drew the initial latents of this case with torch.randn on a CPU generator seeded with
// the recorded noise_seed.
TEST(NoiseParity, sd15_txt2img_lcm4_latents_in) {
  const auto file = test::open_case("sd15_txt2img_lcm4");
  const auto seed = std::stoull(file.metadata().at("noise_seed"));
  ASSERT_EQ(file.metadata().at("noise_generator"), "\"cpu\"");
  const auto expected = file.load("latents_in");
  SeededNoise noise(seed);
  const auto drawn = noise.randn(expected.sizes());
  EXPECT_TRUE(
      test::check_parity("SeededNoise(" + std::to_string(seed) + ") vs latents_in", drawn, expected, 1e-6));
  // A different seed gives different numbers.
  SeededNoise other(seed + 1);
  EXPECT_GT(test::relative_error(other.randn(expected.sizes()), expected), 0.5);
}

}  // namespace
}  // namespace palette
