// AutoencoderKL against diffusers' outputs on the tiny SD 1.x, SD 2.x and SDXL fixtures.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/fixture_modules.h"
#include "support/parity.h"

namespace palette {
namespace {

void expect_parity(const std::string& model, const std::string& name) {
  auto vae = test::fixture_vae(model);
  const auto fixture = test::open_case(name);
  EXPECT_NEAR(vae->scaling_factor(), std::stod(fixture.metadata().at("scaling_factor")), 1e-12);
  torch::NoGradGuard no_grad;
  const auto decoded = vae->decode(fixture.load("latent"));
  EXPECT_TRUE(test::check_parity(name + " decoded", decoded, fixture.load("decoded"), 1e-4));
  const auto posterior = vae->encode(fixture.load("image"));
  EXPECT_TRUE(
      test::check_parity(name + " posterior_mean", posterior.mean, fixture.load("posterior_mean"), 1e-4));
  EXPECT_TRUE(test::check_parity(name + " posterior_logvar", posterior.logvar,
                                 fixture.load("posterior_logvar"), 1e-4));
}

TEST(Parity, sd15_vae) {
  expect_parity("tiny-sd15", "sd15_vae");
}

TEST(Parity, sd21_vae) {
  expect_parity("tiny-sd21", "sd21_vae");
}

// SDXL's VAE: the same architecture, its own scaling factor (0.13025) and force_upcast.
TEST(Parity, sdxl_vae) {
  expect_parity("tiny-sdxl", "sdxl_vae");
  EXPECT_TRUE(test::fixture_vae("tiny-sdxl")->config().force_upcast);
}

}  // namespace
}  // namespace palette
