// UNet2DConditionModel against diffusers' outputs on the tiny SD 1.x, SD 2.x and SDXL fixtures.
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
  UNetConditions conditions;
  if (unet->config().text_time_embedding())  // SDXL's added_cond_kwargs
    conditions = {{}, fixture.load("text_embeds"), fixture.load("time_ids")};
  const auto out = unet->forward(fixture.load("sample"), fixture.load("timestep"),
                                 fixture.load("encoder_hidden_states"), conditions);
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

// DownBlock2D first, transformer depths (1,2,3) with the mid block taking the last, linear projections,
// and the text_time addition embedding of the pooled text and six micro-conditioning ids.
TEST(Parity, sdxl_unet_square) {
  expect_parity("tiny-sdxl", "sdxl_unet_square");
}

TEST(Parity, sdxl_unet_wide) {
  expect_parity("tiny-sdxl", "sdxl_unet_wide");
}

TEST(Parity, sdxl_unet_odd) {
  expect_parity("tiny-sdxl", "sdxl_unet_odd");
}

}  // namespace
}  // namespace palette
