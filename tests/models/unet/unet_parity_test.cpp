// UNet2DConditionModel against diffusers' outputs on the tiny SD 1.x and SD 2.x fixtures.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/fixture_modules.h"
#include "support/parity.h"

namespace palette {
namespace {

void expect_parity(const std::string& model, const std::string& name) {
  auto unet = test::fixture_unet(model);
  const auto fixture = test::open_case(name);
  torch::NoGradGuard no_grad;
  const auto out =
      unet->forward(fixture.load("sample"), fixture.load("timestep"), fixture.load("encoder_hidden_states"));
  EXPECT_TRUE(test::check_parity(name + " out", out, fixture.load("out"), 1e-4));
}

TEST(Parity, sd15_unet_square) {
  expect_parity("tiny-sd15", "sd15_unet_square");
}

TEST(Parity, sd15_unet_wide) {
  expect_parity("tiny-sd15", "sd15_unet_wide");
}

TEST(Parity, sd15_unet_odd) {
  expect_parity("tiny-sd15", "sd15_unet_odd");
}

TEST(Parity, sd21_unet_square) {
  expect_parity("tiny-sd21", "sd21_unet_square");
}

TEST(Parity, sd21_unet_wide) {
  expect_parity("tiny-sd21", "sd21_unet_wide");
}

TEST(Parity, sd21_unet_odd) {
  expect_parity("tiny-sd21", "sd21_unet_odd");
}

}  // namespace
}  // namespace palette
