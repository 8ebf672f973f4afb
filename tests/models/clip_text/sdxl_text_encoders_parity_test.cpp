// SDXL's two text encoders against diffusers' StableDiffusionXLPipeline.encode_prompt on tiny-sdxl: both
// tokenizers' ids, the concatenated penultimate states, the pooled projection, and the zeros an empty
// negative prompt gets.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/clip_text/sdxl_text_encoders.h"
#include "palette/error.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

constexpr double kTolerance = 1e-4;

SdxlTextEncoders tiny_sdxl_encoders() {
  const auto folder = test::fixtures_dir() / "tiny-sdxl";
  SdxlTextEncoders e;
  e.first = load_clip_text_model(folder / "text_encoder");
  e.second = load_clip_text_model(folder / "text_encoder_2");
  e.first_tokenizer = std::make_shared<const ClipTokenizer>(ClipTokenizer::from_folder(folder / "tokenizer"));
  e.second_tokenizer = std::make_shared<const ClipTokenizer>(ClipTokenizer::from_folder(folder / "tokenizer_2"));
  return e;
}

// A metadata list of strings; "null" (none given) is an empty list.
std::vector<std::string> strings_of(const std::string& json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text);
  return j.is_null() ? std::vector<std::string>{} : j.get<std::vector<std::string>>();
}

void check_case(const std::string& name) {
  SdxlTextEncoders encoders = tiny_sdxl_encoders();
  const auto file = test::open_case(name);
  const auto prompts = strings_of(file.metadata().at("prompts"));
  if (file.contains("input_ids")) {
    EXPECT_TRUE(torch::equal(encoders.first_tokenizer->encode_batch(prompts), file.load("input_ids")))
        << name << ": tokenizer ids";
    EXPECT_TRUE(torch::equal(encoders.second_tokenizer->encode_batch(prompts), file.load("input_ids_2")))
        << name << ": tokenizer_2 ids (padded with '!')";
  }
  torch::NoGradGuard no_grad;
  const SdxlTextEmbeddings e = encoders.encode(prompts);
  EXPECT_TRUE(test::check_parity(name + " prompt_embeds", e.hidden, file.load("prompt_embeds", torch::kFloat),
                                 kTolerance));
  EXPECT_TRUE(test::check_parity(name + " pooled_prompt_embeds", e.pooled,
                                 file.load("pooled_prompt_embeds", torch::kFloat), kTolerance));
  // The negatives as the pipeline makes them: given ones are encoded like prompts ("" included); none given
  // is zeros (force_zeros_for_empty_prompt).
  std::vector<std::string> negatives = strings_of(file.metadata().at("negative_prompts"));
  const bool none_given = negatives.empty();
  if (none_given) negatives.resize(prompts.size());
  const SdxlTextEmbeddings n = encoders.encode(negatives, /*zero_empty=*/none_given);
  const auto expected_negative = file.load("negative_prompt_embeds", torch::kFloat);
  EXPECT_TRUE(test::check_parity(name + " negative_prompt_embeds", n.hidden, expected_negative, kTolerance));
  EXPECT_TRUE(test::check_parity(name + " negative_pooled_prompt_embeds", n.pooled,
                                 file.load("negative_pooled_prompt_embeds", torch::kFloat), kTolerance));
  if (none_given) EXPECT_EQ(expected_negative.abs().max().item<float>(), 0.0f) << name << ": not zeros";
}

TEST(Parity, sdxl_text_encoders) {
  check_case("sdxl_text_encoders");
}

TEST(Parity, sdxl_text_encoders_no_negative) {
  check_case("sdxl_text_encoders_no_negative");
}

}  // namespace
}  // namespace palette
