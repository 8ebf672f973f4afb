// Writing safetensors, and reading back what was written.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "palette/error.h"
#include "palette/safetensors.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::TempDir;

TEST(SafetensorsWriter, RoundTripsEveryDtypeWithMetadata) {
  TempDir dir;
  torch::manual_seed(0);
  const auto f = torch::randn({3, 5});
  NamedTensors tensors = {
      {"f32", f},
      {"f16", f.to(torch::kHalf)},
      {"bf16", f.to(torch::kBFloat16)},
      {"f64", f.to(torch::kDouble)},
      {"i64", torch::arange(-4, 8, torch::kLong).reshape({3, 4})},
      {"i32", torch::arange(-4, 8, torch::kInt)},
      {"i16", torch::arange(-4, 8, torch::kShort)},
      {"i8", torch::arange(-4, 8, torch::kChar)},
      {"u8", torch::arange(0, 255, torch::kByte)},
      {"bool", f.gt(0)},
      {"scalar", torch::tensor(2.5f).reshape({})},
      {"empty", torch::zeros({0, 7})},
      {"strided", f.t()},  // not contiguous: must be written in logical order
  };
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"json", R"({"a": [1, 2]})"}};
  save_safetensors(dir / "rt.safetensors", tensors, metadata);

  const auto file = SafetensorsFile::open(dir / "rt.safetensors");
  EXPECT_EQ(file.metadata(), metadata);
  ASSERT_EQ(file.entries().size(), tensors.size());
  for (const auto& [name, tensor] : tensors) {
    const auto loaded = file.load(name);
    EXPECT_EQ(loaded.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(loaded, tensor)) << name;
  }
}

TEST(SafetensorsWriter, LayoutIsTheStandardOne) {
  TempDir dir;
  save_safetensors(dir / "a.safetensors", {{"a", torch::tensor({1.f, 2.f})}});
  const std::string bytes = test::read_raw(dir / "a.safetensors");
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[i]);
  EXPECT_EQ(n % 8, 0u);  // data section aligned
  ASSERT_EQ(bytes.size(), 8 + n + 8);
  const auto header = nlohmann::json::parse(bytes.substr(8, n));
  EXPECT_EQ(header, nlohmann::json::parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})"));
  const float expected[2] = {1.f, 2.f};
  EXPECT_EQ(bytes.substr(8 + n), std::string(reinterpret_cast<const char*>(expected), 8));
}

TEST(SafetensorsWriter, TruncatedCopyIsRejected) {
  TempDir dir;
  save_safetensors(dir / "a.safetensors", {{"a", torch::ones({16})}, {"b", torch::ones({16})}});
  std::string bytes = test::read_raw(dir / "a.safetensors");
  test::write_raw(dir / "cut.safetensors", bytes.substr(0, bytes.size() - 10));
  try {
    SafetensorsFile::open(dir / "cut.safetensors");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'b'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(SafetensorsWriter, RejectsBadInputAndLeavesNothingBehind) {
  TempDir dir;
  const auto path = dir / "bad.safetensors";
  EXPECT_THROW(save_safetensors(path, {{"a", torch::ones({2})}, {"a", torch::ones({2})}}), Error);
  EXPECT_THROW(save_safetensors(path, {{"", torch::ones({2})}}), Error);
  EXPECT_THROW(save_safetensors(path, {{"c", torch::ones({2}, torch::kComplexFloat)}}), Error);
  EXPECT_THROW(save_safetensors(path, {{"u", torch::Tensor()}}), Error);
  EXPECT_THROW(save_safetensors(dir / "no" / "such" / "dir.safetensors", {{"a", torch::ones({2})}}), Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SafetensorsWriter, OverwriteReplacesWholeFile) {
  TempDir dir;
  const auto path = dir / "w.safetensors";
  save_safetensors(path, {{"big", torch::ones({1000})}});
  save_safetensors(path, {{"small", torch::zeros({2})}});
  const auto file = SafetensorsFile::open(path);
  EXPECT_EQ(file.names(), std::vector<std::string>{"small"});
}

}  // namespace
}  // namespace palette
