#include "app/app_args.h"

#include <gtest/gtest.h>

#include "palette/error.h"
#include "support/error_of.h"

namespace palette::app {
namespace {

AppArgs parse(std::vector<const char*> argv) {
  argv.insert(argv.begin(), "semantic-palette");
  return parse_app_args(static_cast<int>(argv.size()), argv.data());
}

TEST(AppArgs, ModelScriptAndFile) {
  const AppArgs a = parse({"--model", "m", "--script", "s.json", "--size", "128x64", "layout.json"});
  EXPECT_EQ(a.model, "m");
  EXPECT_EQ(a.script, "s.json");
  EXPECT_EQ(a.file, "layout.json");
  EXPECT_EQ(a.width, 128);
  EXPECT_EQ(a.height, 64);
}

TEST(AppArgs, NothingGivenIsANewDocument) {
  const AppArgs a = parse({});
  EXPECT_TRUE(a.file.empty());
  EXPECT_TRUE(a.model.empty());  // the app then runs the layout's model, else the built-in one
  EXPECT_FALSE(a.no_model);
  EXPECT_EQ(a.width, 512);
}

TEST(AppArgs, NoModelStartsWithoutOneAndExcludesModel) {
  EXPECT_TRUE(parse({"--no-model", "layout.json"}).no_model);
  EXPECT_THROW(parse({"--no-model", "--model", "m"}), Error);
}

TEST(AppArgs, CudaGraphsAreOnUnlessTurnedOff) {
  EXPECT_TRUE(parse({}).cuda_graphs);
  EXPECT_FALSE(parse({"--no-cuda-graphs", "layout.json"}).cuda_graphs);
}

TEST(AppArgs, OffscreenNeedsAScript) {
  EXPECT_FALSE(parse({"--script", "s.json"}).offscreen);
  EXPECT_TRUE(parse({"--offscreen", "--script", "s.json"}).offscreen);
  EXPECT_NE(test::error_of([] { parse({"--offscreen", "layout.json"}); }).find("--offscreen needs --script"),
            std::string::npos);
}

TEST(AppArgs, AutosaveIntervalDefaultsToAMinute) {
  EXPECT_EQ(parse({}).autosave_seconds, 60);
  EXPECT_EQ(parse({"--autosave-seconds", "0.5"}).autosave_seconds, 0.5);
  EXPECT_THROW(parse({"--autosave-seconds", "0"}), Error);
  EXPECT_THROW(parse({"--autosave-seconds", "soon"}), Error);
  EXPECT_THROW(parse({"--autosave-seconds", "nan"}), Error);
}

TEST(AppArgs, BadArgumentsAreErrors) {
  EXPECT_THROW(parse({"--model"}), Error);
  EXPECT_THROW(parse({"--bogus"}), Error);
  EXPECT_THROW(parse({"--size", "12x"}), Error);
  EXPECT_THROW(parse({"a.json", "b.json"}), Error);
  EXPECT_TRUE(parse({"--help"}).help);
}

}  // namespace
}  // namespace palette::app
