// The bounded JSON reader: what it refuses before building the tree, and what it keeps.
#include <gtest/gtest.h>

#include "palette/error.h"
#include "palette/json_input.h"
#include "support/error_of.h"

namespace palette {
namespace {

std::string parse_error(const std::string& text, const JsonLimits& limits = {}) {
  return test::error_of([&] { parse_bounded_json(text, limits); });
}

TEST(JsonInput, ParsesWhatIsWithinTheLimits) {
  const auto j = parse_bounded_json(R"({"a": [1, 2, {"b": null}], "c": "d"})");
  EXPECT_EQ(j["a"][2].count("b"), 1u);
  const auto ordered = parse_bounded_ordered_json(R"({"z": 1, "a": 2})");
  EXPECT_EQ(ordered.begin().key(), "z");
}

TEST(JsonInput, RefusesDuplicateKeysNamingWhere) {
  EXPECT_EQ(parse_error(R"({"version": 1, "version": 2})"), "duplicate key \"version\" in the top-level object");
  EXPECT_EQ(parse_error(R"({"layers": [{"a": 1}, {"a": 1, "b": 2, "a": 3}]})"), "duplicate key \"a\" in layers[1]");
  EXPECT_EQ(parse_error(R"({"x": {"y": [[{"k": 1, "k": 1}]]}})"), "duplicate key \"k\" in x.y[0][0]");
  // Equal keys in different objects are fine.
  EXPECT_EQ(parse_error(R"([{"a": 1}, {"a": 1}])"), test::kNoError);
}

TEST(JsonInput, RefusesDeepNestingWithoutRecursion) {
  EXPECT_EQ(parse_error(std::string(100000, '[') + std::string(100000, ']')), "JSON nested deeper than 64 levels");
  EXPECT_EQ(parse_error(std::string(64, '[') + std::string(64, ']')), test::kNoError);
}

TEST(JsonInput, RefusesTooManyValuesBeforeBuildingThem) {
  std::string text = "[";
  for (int i = 0; i < 200; ++i) text += "{},";
  text += "{}]";
  EXPECT_EQ(parse_error(text, {64, 100}), "more than 100 JSON values");
  EXPECT_EQ(parse_error(text, {64, 202}), test::kNoError);
}

TEST(JsonInput, SyntaxErrorsAreShortAndNamed) {
  EXPECT_EQ(parse_error("{\"a\": [").rfind("not valid JSON: ", 0), 0u);
  const std::string long_token = "[\"" + std::string(100000, 'x');
  EXPECT_LT(parse_error(long_token).size(), 400u);
}

}  // namespace
}  // namespace palette
