// TAESD on CUDA in half precision and bfloat16 against diffusers' AutoencoderTiny.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/taesd/taesd.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

// Half precision on CUDA against the float32 reference (float32 on CUDA is left out: cuDNN's
// convolutions may use TF32 there).
TEST(TaesdGpu, ReducedPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto file = test::open_case("taesd");
  const auto cuda = torch::device(torch::kCUDA);
  for (const auto& [dtype, tolerance] :
       std::vector<std::pair<torch::Dtype, double>>{{torch::kHalf, 5e-3}, {torch::kBFloat16, 3e-2}}) {
    auto model = load_taesd(test::fixtures_dir() / "tiny-taesd", torch::dtype(dtype).device(torch::kCUDA));
    torch::NoGradGuard no_grad;
    const auto decoded = model->decode(file.load("latent", cuda.dtype(dtype)));
    EXPECT_EQ(decoded.scalar_type(), dtype);
    EXPECT_TRUE(test::check_parity(std::string("cuda decode ") + c10::toString(dtype), decoded,
                                   file.load("decoded", torch::kFloat), tolerance));
    const auto encoded = model->encode(file.load("image", cuda.dtype(dtype)));
    EXPECT_TRUE(test::check_parity(std::string("cuda encode ") + c10::toString(dtype), encoded,
                                   file.load("encoded", torch::kFloat), tolerance));
  }
}

}  // namespace
}  // namespace palette
