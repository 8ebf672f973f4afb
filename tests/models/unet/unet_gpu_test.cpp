// UNet2DConditionModel on CUDA in float32, float16 and bfloat16 against the CPU reference outputs (SD 1.x,
// SD 2.x, and SDXL with its added text-time conditions).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/fixture_modules.h"
#include "support/parity.h"

namespace palette {
namespace {

// Half precision and LibTorch 2.x's fused attention on CUDA, against the float32 CPU reference.
// Loose bounds: they catch dtype or kernel mistakes (errors of order 1), not rounding (float16 measured
// about 2e-3 to 5e-3, bfloat16 about 2e-2 to 4e-2 on an H200).
TEST(UNetGpu, HalfPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  at::globalContext().setAllowTF32CuDNN(false);  // float32 parity needs full-precision convolutions
  at::globalContext().setAllowTF32CuBLAS(false);
  for (const auto& [model, name] : {std::pair{"tiny-sd15", "sd15_unet_square"}, {"tiny-sd21", "sd21_unet_odd"},
                                    {"tiny-sdxl", "sdxl_unet_square"}, {"tiny-sdxl", "sdxl_unet_odd"}}) {
    auto unet = test::fixture_unet(model);
    const auto fixture = test::open_case(name);
    torch::NoGradGuard no_grad;
    const std::tuple<torch::Dtype, const char*, double> runs[] = {{torch::kFloat, "float32", 1e-4},
                                                                  {torch::kHalf, "float16", 2e-2},
                                                                  {torch::kBFloat16, "bfloat16", 1e-1}};
    for (const auto& [dtype, dtype_name, tolerance] : runs) {
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

}  // namespace
}  // namespace palette
