// UNet2DConditionModel on CUDA in float32, float16 and bfloat16 against the CPU reference outputs (SD 1.x,
// SD 2.x, and SDXL with its added text-time conditions).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "models/fixture_modules.h"
#include "support/cuda_precision.h"
#include "support/parity.h"

namespace palette {
namespace {

// Half precision and LibTorch 2.x's fused attention on CUDA, against the float32 CPU reference.
// One case per fixture: a run can carry only some fixtures to the GPU machine and filter by name.
struct UNetCase {
  const char* model;
  const char* name;
};

class UNetGpu : public testing::TestWithParam<UNetCase> {};

TEST_P(UNetGpu, HalfPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::exact_cuda_math();
  const auto [model, name] = GetParam();
  {
    auto unet = test::fixture_unet(model);
    const auto fixture = test::open_case(name);
    torch::NoGradGuard no_grad;
    for (const auto& [dtype, dtype_name, tolerance] : test::module_precision_runs()) {
      unet->to(torch::kCUDA, dtype);
      const auto on_gpu = torch::TensorOptions().device(torch::kCUDA).dtype(dtype);
      UNetConditions conditions;
      if (unet->config().text_time_embedding())  // SDXL's pooled text and micro-conditioning ids
        conditions = {{}, fixture.load("text_embeds", on_gpu), fixture.load("time_ids", on_gpu)};
      const auto out = unet->forward(fixture.load("sample", on_gpu), fixture.load("timestep"),
                                     fixture.load("encoder_hidden_states", on_gpu), conditions);
      EXPECT_EQ(out.scalar_type(), dtype);
      EXPECT_TRUE(
          test::check_parity(std::string(name) + " cuda " + dtype_name, out, fixture.load("out"), tolerance));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, UNetGpu,
                         testing::Values(UNetCase{"tiny-sd15", "sd15_unet_square"}, UNetCase{"tiny-sd21", "sd21_unet_odd"},
                                         UNetCase{"tiny-sdxl", "sdxl_unet_square"}, UNetCase{"tiny-sdxl", "sdxl_unet_odd"}),
                         [](const testing::TestParamInfo<UNetCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace palette
