// The UNet's FLOP count from its configuration against PyTorch's FLOP counter on the same UNet.
#include <gtest/gtest.h>

#include <cstdio>

#include "models/unet/unet_flops.h"
#include "palette/model.h"

namespace palette {
namespace {

// SD 1.5 at 512² (a 64² latent, 77 tokens): 803 GFLOP by torch.utils.flop_counter (../shared/docs/gpu.md).
TEST(UNetFlops, Sd15MatchesPyTorchsCounter) {
  const double g = unet_gflops(UNetConfig{}, 64, 64);
  std::printf("  SD 1.5 UNet, 512²: %.1f GFLOP (PyTorch's counter: 803)\n", g);
  EXPECT_NEAR(g, 803.0, 803.0 * 0.01);
  // Attention's quadratic part: twice the side costs more than four times the work.
  EXPECT_GT(unet_gflops(UNetConfig{}, 128, 128), 4 * g);
}

TEST(UNetFlops, SdxlAt1024) {
  const UNetConfig xl = UNetConfig::from_json(JsonConfig(RandomModelConfigs::sdxl().unet, "SDXL UNet"));
  const double g = unet_gflops(xl, 128, 128);
  std::printf("  SDXL UNet, 1024²: %.1f GFLOP\n", g);
  // SDXL's extra depth (transformers 2 and 10 deep at the two inner levels) against SD 1.5 at the same size.
  EXPECT_GT(g, unet_gflops(UNetConfig{}, 128, 128));
}

}  // namespace
}  // namespace palette
