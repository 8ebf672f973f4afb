// Reading safetensors: hand-made files, valid and broken, byte by byte.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

#include "palette/error.h"
#include "palette/safetensors.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::TempDir;

// An 8-byte little-endian length (the true header size unless `length` overrides it), the
// header text, then `data`.
std::string make_file(const std::string& header, const std::string& data, int64_t length = -1) {
  const uint64_t n = length < 0 ? header.size() : uint64_t(length);
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xff);
  return bytes + header + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.begin(), s.size());
  return s;
}

// Opens `bytes` as a file and expects palette::Error whose message names the file and contains `needle`.
void expect_open_error(const std::string& bytes, const std::string& needle) {
  TempDir dir;
  const auto path = dir / "broken.safetensors";
  test::write_raw(path, bytes);
  try {
    SafetensorsFile::open(path);
    ADD_FAILURE() << "opened without error; expected: " << needle;
  } catch (const Error& e) {
    const std::string message = e.what();
    std::cout << "  error: " << message << "\n";
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << "expected '" << needle << "' in: " << message;
  }
}

const std::string kOneTensor = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

TEST(SafetensorsReader, ReadsValuesShapeAndMetadata) {
  TempDir dir;
  const std::string header =
      R"({"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]},)"
      R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  test::write_raw(dir / "x.safetensors", make_file(header, floats({1, 2, 3, 4})));
  const auto file = SafetensorsFile::open(dir / "x.safetensors");
  EXPECT_EQ(file.metadata().at("k"), "v");
  EXPECT_EQ(file.names(), (std::vector<std::string>{"a", "b"}));  // file order
  EXPECT_TRUE(torch::equal(file.load("a"), torch::tensor({1.f, 2.f})));
  EXPECT_TRUE(torch::equal(file.load("b"), torch::tensor({{3.f, 4.f}})));
  EXPECT_FALSE(file.contains("c"));
  EXPECT_THROW(file.load("c"), Error);
}

TEST(SafetensorsReader, ConvertsToRequestedDtype) {
  TempDir dir;
  test::write_raw(dir / "x.safetensors", make_file(kOneTensor, floats({1.5f, -2.25f})));
  const auto file = SafetensorsFile::open(dir / "x.safetensors");
  const auto half = file.load("a", torch::dtype(torch::kHalf));
  EXPECT_EQ(half.scalar_type(), torch::kHalf);
  EXPECT_TRUE(torch::equal(half.to(torch::kFloat), torch::tensor({1.5f, -2.25f})));
  EXPECT_EQ(file.load("a", torch::dtype(torch::kBFloat16)).scalar_type(), torch::kBFloat16);
}

TEST(SafetensorsReader, ViewOutlivesFileAndWritesNeverReachIt) {
  TempDir dir;
  const std::string bytes = make_file(kOneTensor, floats({7, 8}));
  test::write_raw(dir / "x.safetensors", bytes);
  torch::Tensor t;
  {
    const auto file = SafetensorsFile::open(dir / "x.safetensors");
    t = file.load("a");
  }
  EXPECT_TRUE(torch::equal(t, torch::tensor({7.f, 8.f})));
  t.mul_(2);
  EXPECT_TRUE(torch::equal(t, torch::tensor({14.f, 16.f})));
  EXPECT_EQ(test::read_raw(dir / "x.safetensors"), bytes);
  EXPECT_TRUE(torch::equal(SafetensorsFile::open(dir / "x.safetensors").load("a"), torch::tensor({7.f, 8.f})));
}

TEST(SafetensorsReader, MisalignedDataIsCopiedCorrectly) {
  TempDir dir;
  // A 3-byte-longer header puts the data section off 4-byte alignment.
  const std::string header = kOneTensor + "   ";
  test::write_raw(dir / "x.safetensors", make_file(header, floats({5, 6})));
  EXPECT_TRUE(torch::equal(SafetensorsFile::open(dir / "x.safetensors").load("a"), torch::tensor({5.f, 6.f})));
}

TEST(SafetensorsReader, BoolBytesAreNormalised) {
  TempDir dir;
  test::write_raw(dir / "x.safetensors",
                  make_file(R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", std::string("\x00\x01\x07", 3)));
  const auto m = SafetensorsFile::open(dir / "x.safetensors").load("m");
  EXPECT_EQ(m.scalar_type(), torch::kBool);
  EXPECT_TRUE(torch::equal(m, torch::tensor({false, true, true})));
}

TEST(SafetensorsReader, ScalarAndEmptyTensors) {
  TempDir dir;
  const std::string header = R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
                             R"("e":{"dtype":"I64","shape":[0,3],"data_offsets":[4,4]}})";
  test::write_raw(dir / "x.safetensors", make_file(header, floats({3})));
  const auto file = SafetensorsFile::open(dir / "x.safetensors");
  EXPECT_EQ(file.load("s").dim(), 0);
  EXPECT_EQ(file.load("s").item<float>(), 3.f);
  EXPECT_EQ(file.load("e").sizes(), (std::vector<int64_t>{0, 3}));
}

TEST(SafetensorsReader, MissingFile) {
  TempDir dir;
  try {
    SafetensorsFile::open(dir / "absent.safetensors");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.safetensors"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
}

TEST(SafetensorsReader, DirectoryIsNotAFile) {
  TempDir dir;
  EXPECT_THROW(SafetensorsFile::open(dir.path()), Error);
}

TEST(SafetensorsReader, EmptyFile) { expect_open_error("", "truncated"); }
TEST(SafetensorsReader, TruncatedLength) { expect_open_error("\x10\x00\x00", "truncated"); }
TEST(SafetensorsReader, HeaderLengthPastEnd) {
  expect_open_error(make_file(kOneTensor, floats({1, 2}), 1000), "not a safetensors file (or a truncated one)");
}
TEST(SafetensorsReader, HugeHeaderLength) {
  expect_open_error(make_file(kOneTensor, floats({1, 2}), int64_t(1) << 62), "header length of 4611686018427387904, but the file has");
}
TEST(SafetensorsReader, PickleCheckpointsAreNamed) {
  // A zipped pickle's first 8 bytes read as a header length of 85966670672 and more.
  expect_open_error(std::string("PK\x03\x04\x14\x00\x00\x00", 8) + std::string(64, 'x'),
                    "this is a PyTorch pickle checkpoint (a zip archive), not safetensors; convert it to .safetensors");
  expect_open_error(std::string("\x80\x02}q\x00(X", 7) + std::string(64, 'x'),
                    "this is a PyTorch pickle checkpoint (a raw pickle)");
}
TEST(SafetensorsReader, DeeplyNestedShapeIsAShortError) {
  // json::dump of the shape on the error path recursed once per level: a stack overflow.
  const std::string shape = std::string(100000, '[') + std::string(100000, ']');
  TempDir dir;
  test::write_raw(dir / "deep.safetensors",
                  make_file(R"({"a":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,0]}})", ""));
  try {
    SafetensorsFile::open(dir / "deep.safetensors");
    ADD_FAILURE() << "opened a shape nested 100000 deep";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("deep.safetensors"), std::string::npos) << e.what();
    EXPECT_LT(std::string(e.what()).size(), 300u) << e.what();
  }
  // A shallow offending shape is still shown.
  expect_open_error(make_file(R"({"a":{"dtype":"F32","shape":[[1,2],3],"data_offsets":[0,0]}})", ""),
                    "tensor 'a': shape [[1, 2], 3] has a dimension that is not a non-negative integer");
}
TEST(SafetensorsReader, InvalidJson) { expect_open_error(make_file("{\"a\": [", ""), "not valid JSON"); }
TEST(SafetensorsReader, HeaderNotAnObject) { expect_open_error(make_file("[1,2]", ""), "not a JSON object"); }
TEST(SafetensorsReader, UnknownDtype) {
  expect_open_error(make_file(R"({"a":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,8]}})", floats({1, 2})),
                    "tensor 'a': unsupported dtype 'Q4_K'");
}
TEST(SafetensorsReader, MissingField) {
  expect_open_error(make_file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", floats({1, 2})), "missing \"shape\"");
}
TEST(SafetensorsReader, NegativeDimension) {
  expect_open_error(make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", floats({1, 2})),
                    "not a non-negative integer");
}
TEST(SafetensorsReader, OffsetsOutOfRange) {
  expect_open_error(make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", floats({1, 2})),
                    "lie past the end of the data");
}
TEST(SafetensorsReader, OffsetsReversed) {
  expect_open_error(make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", floats({1, 2})),
                    "end before they begin");
}
TEST(SafetensorsReader, OffsetsOverlap) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  expect_open_error(make_file(header, floats({1, 2, 3})), "overlaps tensor 'a'");
}
TEST(SafetensorsReader, ShapeDoesNotMatchByteCount) {
  expect_open_error(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2})),
                    "needs 12 bytes but data_offsets [0, 8] hold 8");
}
TEST(SafetensorsReader, ShapeOverflow) {
  expect_open_error(
      make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", floats({1, 2})),
      "too large");
}
TEST(SafetensorsReader, MetadataValueNotString) {
  expect_open_error(make_file(R"({"__metadata__":{"k":1}})", ""), "value of 'k' is not a string");
}

}  // namespace
}  // namespace palette
