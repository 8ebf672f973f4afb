// The CLIP text encoder on CUDA in reduced precision against transformers' CLIPTextModel.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/clip_text/clip_text_model.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

// Half precision on CUDA (and, there, LibTorch 2.x's fused causal attention kernel) against the float32
// reference; the tolerances are those of 10-bit and 7-bit mantissas.
TEST(ClipTextGpu, ReducedPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto file = test::open_case("sd15_text_encoder");
  const auto ids = file.load("input_ids", torch::device(torch::kCUDA));
  const auto expected = file.load("last_hidden_state", torch::kFloat);
  const std::vector<std::pair<torch::Dtype, double>> cases = {
      {torch::kFloat, 1e-4}, {torch::kHalf, 5e-3}, {torch::kBFloat16, 3e-2}};
  for (const auto& [dtype, tolerance] : cases) {
    auto model = load_clip_text_model(test::fixtures_dir() / "tiny-sd15" / "text_encoder",
                                      torch::dtype(dtype).device(torch::kCUDA));
    torch::NoGradGuard no_grad;
    const auto out = model->forward(ids);
    EXPECT_EQ(out.last_hidden_state.scalar_type(), dtype);
    EXPECT_TRUE(test::check_parity(std::string("cuda ") + c10::toString(dtype), out.last_hidden_state,
                                   expected, tolerance));
  }
}

}  // namespace
}  // namespace palette
