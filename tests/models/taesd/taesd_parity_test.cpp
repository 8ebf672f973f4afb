// TAESD against diffusers' AutoencoderTiny (decode and encode) and its image-range variants.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/taesd/taesd.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

constexpr double kTolerance = 1e-4;

TEST(Parity, taesd) {
  auto model = load_taesd(test::fixtures_dir() / "tiny-taesd");
  const auto file = test::open_case("taesd");
  const auto latent = file.load("latent", torch::kFloat);
  const auto image = file.load("image", torch::kFloat);  // [-1,1], diffusers' convention
  const auto decoded = file.load("decoded", torch::kFloat);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(test::check_parity("taesd decode", model->decode(latent), decoded, kTolerance));
  EXPECT_TRUE(test::check_parity("taesd encode", model->encode(image), file.load("encoded", torch::kFloat),
                                 kTolerance));
  // The [0,1] variants are the same maps with the range conversion moved to the caller's side.
  EXPECT_TRUE(test::check_parity("taesd decode_to_unit", model->decode_to_unit(latent),
                                 (decoded / 2 + 0.5).clamp(0, 1), kTolerance));
  EXPECT_TRUE(test::check_parity("taesd encode_from_unit", model->encode_from_unit(image / 2 + 0.5),
                                 file.load("encoded", torch::kFloat), kTolerance));
}

}  // namespace
}  // namespace palette
