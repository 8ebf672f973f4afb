// CLIP tokenizer: known answers, and the failures a user can cause (missing or broken vocabulary files,
// invalid UTF-8). The exact ids against the reference fixtures: clip_tokenizer_parity_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

#include "palette/error.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "text/clip_tokenizer.h"

namespace palette {
namespace {

constexpr std::int64_t kBos = 49406, kEos = 49407;

std::filesystem::path tokenizer_dir(const std::string& model) {
  return test::fixtures_dir() / model / "tokenizer";
}

class ClipTokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sd15_ = new ClipTokenizer(ClipTokenizer::from_folder(tokenizer_dir("tiny-sd15")));
    sd21_ = new ClipTokenizer(ClipTokenizer::from_folder(tokenizer_dir("tiny-sd21")));
    openai_ =
        new ClipTokenizer(ClipTokenizer::from_folder(tokenizer_dir("tiny-sd15"), ClipTextCleanup::kOpenAi));
  }
  static void TearDownTestSuite() {
    delete sd15_;
    delete sd21_;
    delete openai_;
  }
  static const ClipTokenizer* sd15_;
  static const ClipTokenizer* sd21_;
  static const ClipTokenizer* openai_;
};

const ClipTokenizer* ClipTokenizerTest::sd15_ = nullptr;

const ClipTokenizer* ClipTokenizerTest::sd21_ = nullptr;

const ClipTokenizer* ClipTokenizerTest::openai_ = nullptr;

TEST_F(ClipTokenizerTest, FolderSettings) {
  EXPECT_EQ(sd15_->max_length(), 77);
  EXPECT_EQ(sd15_->vocab_size(), 49408u);
  EXPECT_EQ(sd15_->bos_id(), kBos);
  EXPECT_EQ(sd15_->eos_id(), kEos);
  EXPECT_EQ(sd15_->pad_id(), kEos);
  EXPECT_EQ(sd21_->pad_id(), 0);
  EXPECT_EQ(sd21_->options().pad_token, "!");
  const ClipTokenizer copy = *sd21_;  // copies share the loaded vocabulary
  EXPECT_EQ(copy.encode("wow!"), sd21_->encode("wow!"));
}

TEST_F(ClipTokenizerTest, KnownAnswers) {
  EXPECT_EQ(sd15_->encode_raw("a photo of a cat"), (std::vector<std::int64_t>{320, 1125, 539, 320, 2368}));
  EXPECT_EQ(sd15_->encode_raw("  A  PHOTO\tof\na CAT "), sd15_->encode_raw("a photo of a cat"));
  EXPECT_EQ(sd15_->encode_raw("don't"), (std::vector<std::int64_t>{847, 713}));  // "don", "'t"
  EXPECT_EQ(sd15_->encode_raw("8k"), (std::vector<std::int64_t>{279, 330}));     // digits stand alone
  EXPECT_TRUE(sd15_->encode_raw("").empty());
  // Words whose merges run into one another (a merged symbol must not merge again from its old place).
  EXPECT_EQ(sd15_->encode_raw("acute"), (std::vector<std::int64_t>{19734}));
  EXPECT_EQ(sd15_->encode_raw("STRASSE"), (std::vector<std::int64_t>{1894, 8938}));
  EXPECT_EQ(sd15_->encode_raw("replacement"), (std::vector<std::int64_t>{10835}));
  const auto ids = sd15_->encode("a photo of a cat");
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(std::vector<std::int64_t>(ids.begin(), ids.begin() + 7),
            (std::vector<std::int64_t>{kBos, 320, 1125, 539, 320, 2368, kEos}));
  EXPECT_EQ(ids.back(), kEos);
  EXPECT_EQ(sd21_->encode("a photo of a cat").back(), 0);
}

TEST_F(ClipTokenizerTest, TruncatesToContextKeepingEos) {
  std::string prompt;
  for (int i = 0; i < 100; ++i) prompt += "cat ";
  EXPECT_EQ(sd15_->encode_raw(prompt).size(), 100u);
  for (const ClipTokenizer* tok : {sd15_, sd21_, openai_}) {
    const auto ids = tok->encode(prompt);
    ASSERT_EQ(ids.size(), 77u);
    EXPECT_EQ(ids.front(), kBos);
    EXPECT_EQ(ids[75], 2368);
    EXPECT_EQ(ids.back(), kEos);
  }
}

TEST_F(ClipTokenizerTest, SpecialTokensInPrompts) {
  // The references cut written special tokens out; SD2's pad token "!" is one of them.
  EXPECT_EQ(sd15_->encode_raw("a<|endoftext|>b"), (std::vector<std::int64_t>{320, kEos, 321}));
  EXPECT_EQ(openai_->encode_raw("a <|endoftext|> b"), (std::vector<std::int64_t>{320, kEos, 321}));
  EXPECT_EQ(sd21_->encode_raw("wow!!"), (std::vector<std::int64_t>{sd21_->encode_raw("wow")[0], 0, 0}));
  EXPECT_NE(sd15_->encode_raw("wow!!"), sd21_->encode_raw("wow!!"));
}

TEST_F(ClipTokenizerTest, CleanupFlavoursDiffer) {
  // OpenAI's ftfy + html.unescape straighten quotes and decode entities; transformers does not.
  EXPECT_EQ(openai_->encode_raw("don\u2019t"), openai_->encode_raw("don't"));
  EXPECT_NE(sd15_->encode_raw("don\u2019t"), sd15_->encode_raw("don't"));
  EXPECT_EQ(openai_->encode_raw("Tom &amp; Jerry"), openai_->encode_raw("tom & jerry"));
  EXPECT_NE(sd15_->encode_raw("Tom &amp; Jerry"), sd15_->encode_raw("tom & jerry"));
  // Both compose to NFC: a decomposed é reads as the precomposed one.
  for (const ClipTokenizer* tok : {sd15_, openai_}) {
    EXPECT_EQ(tok->encode_raw("cafe\xCC\x81"), tok->encode_raw("caf\xC3\xA9"));
  }
}

// Ids the references gave (transformers 5.17 CLIPTokenizer; CLIP's simple_tokenizer with ftfy 6.3.1)
// for the corners where the two cleanups part ways.
TEST_F(ClipTokenizerTest, ReferenceAnswersWhereCleanupsDiffer) {
  struct Case {
    const char* prompt;
    std::vector<std::int64_t> huggingface, openai;
  };
  const Case cases[] = {
      {"don\u2019t stop", {847, 728, 503, 339, 1691}, {847, 713, 1691}},
      {"a < b &amp; c",
       {320, 283, 321, 261, 6259, 282, 322},
       {320, 283, 321, 261, 322}},               // '<': ftfy keeps it
      {"\u039f\u0394\u039f\u03a3 \u03c3\u03c2",  // final sigma: Python's lower() only
       {138, 123, 138, 112, 138, 123, 139, 481, 139, 225, 139, 480},
       {138, 123, 138, 112, 138, 123, 139, 480, 139, 225, 139, 480}},
      {"'\u017ft x'\u017f", {262, 129, 123, 339, 343, 262, 129, 379}, {6, 129, 379, 339, 343, 6, 129, 379}},
      {"\u0345 ypogegrammeni", {137, 483, 88, 628, 619, 2949, 1552, 328}, {88, 628, 619, 2949, 1552, 328}},
      {"\uff21\uff22\uff23 \ufb01ne",
       {171, 121, 223, 171, 121, 224, 171, 121, 481, 171, 105, 223, 1422},
       {5334, 3797}},
      {"<|ENDOFTEXT|> x", {27, 347, 40786, 4160, 91, 285, 343}, {kEos, 343}},
      {"x\u0085y \x1b[31mred", {343, 344, 215, 314, 274, 272, 76, 736}, {343, 959, 344, 736}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(sd15_->encode_raw(c.prompt), c.huggingface) << c.prompt;
    EXPECT_EQ(openai_->encode_raw(c.prompt), c.openai) << c.prompt;
  }
  EXPECT_EQ(sd21_->encode_raw("hello!world"), (std::vector<std::int64_t>{3306, 0, 1002}));
  EXPECT_EQ(sd15_->encode_raw("hello!world"), (std::vector<std::int64_t>{3306, 256, 1002}));
}

TEST_F(ClipTokenizerTest, InvalidUtf8ReadsAsReplacementCharacter) {
  const std::string replacement = "\xEF\xBF\xBD";
  for (const ClipTokenizer* tok : {sd15_, sd21_, openai_}) {
    EXPECT_EQ(tok->encode_raw("\xFF cat"), tok->encode_raw(replacement + " cat"));
    EXPECT_EQ(tok->encode_raw("caf\xC3"), tok->encode_raw("caf" + replacement));
    EXPECT_EQ(tok->encode_raw("\xE6\x97 x"),
              tok->encode_raw(replacement + " x"));  // one U+FFFD per broken sequence
    EXPECT_EQ(tok->encode_raw("\xED\xA0\x80"), tok->encode_raw(replacement + replacement + replacement));
    EXPECT_EQ(tok->encode(std::string("a\0b", 3)).size(), 77u);
  }
}

TEST_F(ClipTokenizerTest, ConstUseFromManyThreads) {
  const std::vector<std::string> prompts = {"a photo of a cat", "山 水 and Ünïcödé 🐱",
                                            "(masterpiece:1.2), sky"};
  std::vector<std::vector<std::int64_t>> expected;
  for (const auto& p : prompts) expected.push_back(sd15_->encode(p));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < 200; ++k) {
        const std::size_t i = static_cast<std::size_t>(k) % prompts.size();
        if (sd15_->encode(prompts[i]) != expected[i]) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// A tiny vocabulary in a temporary folder, for the loading errors.
struct TinyVocab {
  test::TempDir dir;
  std::filesystem::path vocab = dir / "vocab.json", merges = dir / "merges.txt";
  TinyVocab() {
    nlohmann::json v = {{"<|startoftext|>", 0}, {"<|endoftext|>", 1}, {"a", 2}, {"b</w>", 3}, {"ab</w>", 4}};
    test::write_raw(vocab, v.dump());
    test::write_raw(merges, "#version: 0.2\na b</w>\n");
  }
};

void expect_error_mentions(const std::function<void()>& load, const std::string& needle) {
  try {
    load();
    ADD_FAILURE() << "no palette::Error thrown (expected one mentioning " << needle << ")";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ClipTokenizerFiles, TinyVocabularyWorks) {
  TinyVocab t;
  const auto tok = ClipTokenizer::from_files(t.vocab, t.merges, {});
  EXPECT_EQ(tok.encode_raw("ab"), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(tok.encode_raw("ba"), (std::vector<std::int64_t>{1, 1}));  // unknown byte symbols: unk
  EXPECT_EQ(tok.vocab_size(), 5u);
}

TEST(ClipTokenizerFiles, MissingFilesNameTheFile) {
  TinyVocab t;
  expect_error_mentions([&] { ClipTokenizer::from_files(t.dir / "nope.json", t.merges); }, "nope.json");
  expect_error_mentions([&] { ClipTokenizer::from_files(t.vocab, t.dir / "nope.txt"); }, "nope.txt");
  expect_error_mentions([&] { ClipTokenizer::from_folder(t.dir / "missing"); }, "missing");
}

TEST(ClipTokenizerFiles, CorruptFilesNameTheFileAndProblem) {
  TinyVocab t;
  test::write_raw(t.dir / "bad.json", "{\"a\": 1,");
  expect_error_mentions([&] { ClipTokenizer::from_files(t.dir / "bad.json", t.merges); }, "bad.json");
  test::write_raw(t.dir / "list.json", "[1, 2]");
  expect_error_mentions([&] { ClipTokenizer::from_files(t.dir / "list.json", t.merges); }, "list.json");
  test::write_raw(t.dir / "ids.json", "{\"a\": \"x\"}");
  expect_error_mentions([&] { ClipTokenizer::from_files(t.dir / "ids.json", t.merges); }, "\"a\"");
  test::write_raw(t.dir / "three.txt", "#version: 0.2\na b c\n");
  expect_error_mentions([&] { ClipTokenizer::from_files(t.vocab, t.dir / "three.txt"); },
                        "three.txt': line 2");
  test::write_raw(t.dir / "oov.txt", "a zz\n");
  expect_error_mentions([&] { ClipTokenizer::from_files(t.vocab, t.dir / "oov.txt"); },
                        "not in the vocabulary");
  ClipTokenizerOptions options;
  options.pad_token = "<pad>";
  expect_error_mentions([&] { ClipTokenizer::from_files(t.vocab, t.merges, options); }, "\"<pad>\"");
  options = {};
  options.max_length = 1;
  expect_error_mentions([&] { ClipTokenizer::from_files(t.vocab, t.merges, options); }, "max_length");
}

TEST(ClipTokenizerFiles, FolderConfigIsRead) {
  TinyVocab t;
  test::write_raw(t.dir / "special_tokens_map.json", R"({"pad_token": {"content": "a"}})");
  test::write_raw(t.dir / "tokenizer_config.json", R"({"model_max_length": 5})");
  const auto tok = ClipTokenizer::from_folder(t.dir.path());
  EXPECT_EQ(tok.max_length(), 5);
  EXPECT_EQ(tok.encode("b"), (std::vector<std::int64_t>{0, 3, 1, 2, 2}));
  EXPECT_EQ(tok.encode("ab"), (std::vector<std::int64_t>{0, 2, 3, 1, 2}));  // the pad token "a" is cut out
  test::write_raw(t.dir / "tokenizer_config.json",
                  R"({"model_max_length": 1000000000000000019884624838656})");
  EXPECT_EQ(ClipTokenizer::from_folder(t.dir.path()).max_length(), 77);
  test::write_raw(t.dir / "tokenizer_config.json", R"({"model_max_length": "long"})");
  expect_error_mentions([&] { ClipTokenizer::from_folder(t.dir.path()); }, "model_max_length");
}

}  // namespace
}  // namespace palette
