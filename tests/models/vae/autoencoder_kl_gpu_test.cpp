// AutoencoderKL on CUDA in reduced precision against the CPU reference outputs (SD 2.x's and SDXL's).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <utility>

#include "models/fixture_modules.h"
#include "support/cuda_precision.h"
#include "support/parity.h"

namespace palette {
namespace {

// Reduced precision on CUDA, against the float32 CPU reference. SDXL's VAE (force_upcast: a model loads it in
// bfloat16 where float16 is asked for) runs in every dtype too: the tiny fixture's activations stay far from
// float16's range, so only rounding shows.
// One case per fixture, named by it, so that a run can filter to the fixtures it carries.
class AutoencoderKLGpu : public testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(AutoencoderKLGpu, ReducedPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::exact_cuda_math();
  const auto [model, name] = GetParam();
  {
    auto vae = test::fixture_vae(model);
    const auto fixture = test::open_case(name);
    torch::NoGradGuard no_grad;
    for (const auto& [dtype, dtype_name, tolerance] : test::module_precision_runs()) {
      vae->to(torch::kCUDA, dtype);
      const auto on_gpu = torch::TensorOptions().device(torch::kCUDA).dtype(dtype);
      const std::string label = std::string(name) + " cuda " + dtype_name;
      const auto decoded = vae->decode(fixture.load("latent", on_gpu));
      EXPECT_EQ(decoded.scalar_type(), dtype);
      EXPECT_TRUE(test::check_parity(label + " decoded", decoded, fixture.load("decoded"), tolerance));
      const auto posterior = vae->encode(fixture.load("image", on_gpu));
      EXPECT_TRUE(test::check_parity(label + " posterior_mean", posterior.mean, fixture.load("posterior_mean"),
                                     tolerance));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AutoencoderKLGpu,
                         testing::Values(std::pair{"tiny-sd21", "sd21_vae"}, std::pair{"tiny-sdxl", "sdxl_vae"}),
                         [](const auto& info) { return std::string(info.param.second); });

}  // namespace
}  // namespace palette
