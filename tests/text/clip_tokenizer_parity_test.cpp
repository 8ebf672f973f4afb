// CLIP tokenizer: exact ids against the reference fixtures (tokenizer_cases.json).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "support/fixtures.h"
#include "text/clip_tokenizer.h"

namespace palette {
namespace {

std::filesystem::path tokenizer_dir(const std::string& model) {
  return test::fixtures_dir() / model / "tokenizer";
}

nlohmann::json load_cases() {
  const auto path = test::fixtures_dir() / "tokenizer_cases.json";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

std::string ids_text(const std::vector<std::int64_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

// Every prompt of the fixture against one id set; reports each mismatch and the count that match.
void expect_parity(const std::string& id_set,
                   const std::function<std::vector<std::int64_t>(const std::string&)>& run) {
  const nlohmann::json cases = load_cases();
  const auto& prompts = cases.at("prompts");
  const auto& expected = cases.at(id_set);
  ASSERT_EQ(prompts.size(), expected.size());
  ASSERT_GT(prompts.size(), 0u);
  std::size_t matched = 0;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const std::string prompt = prompts[i].get<std::string>();
    const auto want = expected[i].get<std::vector<std::int64_t>>();
    const auto got = run(prompt);
    if (got == want) {
      ++matched;
    } else {
      ADD_FAILURE() << id_set << " mismatch for prompt " << nlohmann::json(prompt).dump() << "\n  expected "
                    << ids_text(want) << "\n  actual   " << ids_text(got);
    }
  }
  std::cout << "[ parity   ] " << id_set << ": " << matched << "/" << prompts.size() << " prompts match\n";
  EXPECT_EQ(matched, prompts.size());
}

TEST(Parity, tokenizer_cases_hf_sd15) {
  const auto tok = ClipTokenizer::from_folder(tokenizer_dir("tiny-sd15"));
  expect_parity("hf_sd15", [&](const std::string& p) { return tok.encode(p); });
}

TEST(Parity, tokenizer_cases_hf_sd21) {
  const auto tok = ClipTokenizer::from_folder(tokenizer_dir("tiny-sd21"));
  expect_parity("hf_sd21", [&](const std::string& p) { return tok.encode(p); });
}

TEST(Parity, tokenizer_cases_openai_raw) {
  const auto tok = ClipTokenizer::from_folder(tokenizer_dir("tiny-sd15"), ClipTextCleanup::kOpenAi);
  expect_parity("openai_raw", [&](const std::string& p) { return tok.encode_raw(p); });
}

TEST(Parity, tokenizer_cases_batch_matches_hf_sd15) {
  const auto tok = ClipTokenizer::from_folder(tokenizer_dir("tiny-sd15"));
  const nlohmann::json cases = load_cases();
  const auto prompts = cases.at("prompts").get<std::vector<std::string>>();
  const torch::Tensor batch = tok.encode_batch(prompts);
  ASSERT_EQ(batch.sizes(), (std::vector<std::int64_t>{static_cast<std::int64_t>(prompts.size()), 77}));
  ASSERT_EQ(batch.scalar_type(), torch::kLong);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto want = cases.at("hf_sd15")[i].get<std::vector<std::int64_t>>();
    const torch::Tensor row = batch[static_cast<std::int64_t>(i)].contiguous();
    EXPECT_EQ(std::vector<std::int64_t>(row.data_ptr<std::int64_t>(), row.data_ptr<std::int64_t>() + 77),
              want);
  }
}

}  // namespace
}  // namespace palette
