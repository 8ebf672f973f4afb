// Random layouts whose masks and background name the files a hostile folder holds (a FIFO, a
// folder, links in and out, PNG bombs, headers far larger than their data, broken PNG) and whose
// text carries duplicate keys: each loads or fails with a palette::Error naming the file. No hang,
// no other exception. Deterministic (a fixed seed).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "document/base64.h"
#include "document_test_util.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "support/fifo.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using Rng = std::mt19937_64;

int pick(Rng& rng, int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(rng)); }

std::string png_bytes(const Image& image) {
  test::TempDir dir;
  write_png(dir / "m.png", image);
  return test::read_raw(dir / "m.png");
}

// `bytes` with its IHDR claiming w×h.
std::string with_header(std::string bytes, uint32_t w, uint32_t h) {
  for (int b = 0; b < 4; ++b) {
    bytes[16 + b] = char((w >> (8 * (3 - b))) & 0xff);
    bytes[20 + b] = char((h >> (8 * (3 - b))) & 0xff);
  }
  return bytes;
}

std::string data_uri(const std::string& png) {
  return "data:image/png;base64," +
         document::base64_encode(reinterpret_cast<const uint8_t*>(png.data()), png.size());
}

TEST(DocumentInputsFuzz, HostileFilesBesideALayoutLoadOrFailCleanly) {
  test::TempDir root;
  const fs::path dir = root / "work";
  fs::create_directories(dir / "dir.png");
  const test::GuardedFifo fifo(dir / "pipe.png");
  const std::string good = png_bytes(test::gray_image(64, 72, [](int x, int y) { return x ^ y; }));
  const std::string zeros = png_bytes(Image{1024, 1024, 1, std::vector<uint8_t>(1024 * 1024, 0)});
  const std::vector<std::pair<std::string, std::string>> pngs = {
      {"good.png", good},
      {"bomb.png", with_header(zeros, 64, 72)},
      {"huge.png", with_header(zeros, 12000, 12000)},
      {"wide.png", with_header(zeros, 16385, 1)},
      {"cut.png", good.substr(0, good.size() / 2)},
      {"empty.png", ""},
      {"rgb.png", png_bytes(Image{64, 72, 3, std::vector<uint8_t>(64 * 72 * 3, 9)})}};
  for (const auto& [name, bytes] : pngs) test::write_raw(dir / name, bytes);
  test::write_raw(root / "outside.png", good);
  fs::create_symlink("../outside.png", dir / "out.png");
  fs::create_symlink("good.png", dir / "in.png");
  fs::create_symlink("missing.png", dir / "dangling.png");
  std::vector<std::string> values = {"pipe.png", "dir.png", "out.png",  "in.png", "dangling.png",
                                     "none.png", "../outside.png", "/dev/zero", "./good.png", "dir.png/../good.png"};
  for (const auto& [name, bytes] : pngs) {
    values.push_back(name);
    values.push_back(data_uri(bytes));
  }

  Document doc(64, 72);
  doc.add_layer(test::layer_properties("sky", "#4080ff", "a blue sky"));
  doc.add_layer(test::layer_properties("sea", "#2040a0", "the sea"));
  const Json base = Json::parse(serialize_document(doc.content(), DocumentKind::Layout));

  Rng rng(20270101);
  int loaded = 0, refused = 0;
  for (int i = 0; i < 400; ++i) {
    Json j = base;
    for (int m = pick(rng, 3); m >= 0; --m) {
      const std::string& value = values[size_t(pick(rng, int(values.size())))];
      if (pick(rng, 3) == 0)
        j["background"]["image"] = value;
      else
        j["layers"][size_t(pick(rng, 2))]["mask"] = value;
    }
    std::string text = j.dump();
    if (pick(rng, 8) == 0) {  // a key given twice, in a random object
      const size_t at = text.find('{', size_t(pick(rng, int(text.size()))));
      if (at != std::string::npos) text.insert(at + 1, "\"k\": 1, \"k\": 2, ");
    }
    const fs::path file = dir / "layout.json";
    test::write_raw(file, text);
    try {
      load_document(file);
      ++loaded;
    } catch (const Error& e) {
      ASSERT_EQ(std::string(e.what()).rfind("'" + file.string() + "': ", 0), 0u) << "iteration " << i << ": " << e.what();
      ++refused;
    } catch (const std::exception& e) {
      FAIL() << "iteration " << i << ": not a palette::Error: " << e.what();
    }
  }
  EXPECT_FALSE(fifo.reader_was_unblocked());
  EXPECT_GT(loaded, 10);
  EXPECT_GT(refused, 200);
  EXPECT_TRUE(fs::exists(root / "outside.png"));
}

}  // namespace
}  // namespace palette
