// The CLIP text encoder on CUDA in reduced precision against transformers' CLIPTextModel.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/clip_text/clip_text_model.h"
#include "models/clip_text/sdxl_text_encoders.h"
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

// SDXL's two encoders on CUDA: the concatenated penultimate states and the pooled projection against
// diffusers' encode_prompt (the CPU parity test's case), within the same mantissa tolerances.
TEST(ClipTextGpu, SdxlEncodersInReducedPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto folder = test::fixtures_dir() / "tiny-sdxl";
  const auto file = test::open_case("sdxl_text_encoders");
  const std::vector<std::string> prompts = nlohmann::json::parse(file.metadata().at("prompts"));
  const std::vector<std::pair<torch::Dtype, double>> cases = {
      {torch::kFloat, 1e-4}, {torch::kHalf, 5e-3}, {torch::kBFloat16, 3e-2}};
  for (const auto& [dtype, tolerance] : cases) {
    const auto options = torch::dtype(dtype).device(torch::kCUDA);
    SdxlTextEncoders encoders;
    encoders.first = load_clip_text_model(folder / "text_encoder", options);
    encoders.second = load_clip_text_model(folder / "text_encoder_2", options);
    encoders.first_tokenizer = std::make_shared<const ClipTokenizer>(ClipTokenizer::from_folder(folder / "tokenizer"));
    encoders.second_tokenizer =
        std::make_shared<const ClipTokenizer>(ClipTokenizer::from_folder(folder / "tokenizer_2"));
    torch::NoGradGuard no_grad;
    const SdxlTextEmbeddings e = encoders.encode(prompts);
    EXPECT_EQ(e.hidden.scalar_type(), dtype);
    EXPECT_TRUE(e.hidden.is_cuda());
    const std::string label = std::string("sdxl encoders cuda ") + c10::toString(dtype);
    EXPECT_TRUE(test::check_parity(label + " prompt_embeds", e.hidden, file.load("prompt_embeds", torch::kFloat),
                                   tolerance));
    EXPECT_TRUE(test::check_parity(label + " pooled_prompt_embeds", e.pooled,
                                   file.load("pooled_prompt_embeds", torch::kFloat), tolerance));
  }
}

}  // namespace
}  // namespace palette
