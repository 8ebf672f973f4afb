// Model::load onto CUDA in half precision and bfloat16: the fixture UNet still gives the reference output.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/model_parts.h"
#include "palette/model.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

TEST(ModelGpu, LoadsInHalfAndBfloat16OnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const auto dtype : {torch::kHalf, torch::kBFloat16}) {
    ModelOptions options;
    options.device = torch::kCUDA;
    options.dtype = dtype;
    const Model model = Model::load(test::fixtures_dir() / "tiny-sd15", options);
    torch::NoGradGuard no_grad;
    const auto unet = test::open_case("sd15_unet_square");
    const auto cuda = torch::dtype(dtype).device(torch::kCUDA);
    auto net = model_parts(model).unet;
    const auto out = net->forward(unet.load("sample", cuda), unet.load("timestep").to(torch::kCUDA),
                                                 unet.load("encoder_hidden_states", cuda));
    EXPECT_EQ(out.scalar_type(), dtype);
    EXPECT_TRUE(test::check_parity(std::string("sd15 unet on CUDA in ") + c10::toString(dtype), out,
                                   unet.load("out"), dtype == torch::kHalf ? 1e-2 : 3e-2));
  }
}

}  // namespace
}  // namespace palette
