// Layouts and the files beside them that a careful tester hands over: FIFOs, folders, symbolic
// links out of the folder, duplicate keys, millions of values, PNG that inflate far beyond their
// header, pictures too large to decode. Each is refused, before it costs memory, with one message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

std::string png_bytes(const Image& image) {
  test::TempDir dir;
  write_png(dir / "m.png", image);
  return test::read_raw(dir / "m.png");
}

std::string data_uri(const std::string& png) {
  return "data:image/png;base64," +
         document::base64_encode(reinterpret_cast<const uint8_t*>(png.data()), png.size());
}

// stb's writer over `w`×`h` zeros, then the header changed to claim `claimed`×`claimed`.
std::string bomb_png(int w, int h, uint32_t claimed) {
  std::string bytes = png_bytes(Image{w, h, 1, std::vector<uint8_t>(size_t(w) * h, 0)});
  for (int i = 0; i < 2; ++i)
    for (int b = 0; b < 4; ++b) bytes[16 + 4 * i + b] = char((claimed >> (8 * (3 - b))) & 0xff);
  return bytes;
}

Json layout(const std::string& mask) {
  Json j = Json::parse(R"({"format": "semantic-palette", "version": 1, "kind": "layout",
    "canvas": {"width": 64, "height": 64}, "layers": [{"name": "a", "color": "#102030", "prompt": "a"}]})");
  j["layers"][0]["mask"] = mask;
  return j;
}

std::string load_error(const fs::path& path) {
  try {
    load_document(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string parse_error(const std::string& text) {
  try {
    parse_document(text, "bad.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DocumentInputs, AFifoAsTheLayoutIsRefusedUnopened) {
  test::TempDir dir;
  const test::GuardedFifo fifo(dir / "layout.json");
  EXPECT_EQ(load_error(fifo.path()), "'" + fifo.path().string() +
                                         "': a FIFO (named pipe), not a regular file (expected a palette or layout file)");
  EXPECT_FALSE(fifo.reader_was_unblocked());
}

TEST(DocumentInputs, AFifoOrFolderBesideTheLayoutIsRefusedUnopened) {
  test::TempDir dir;
  const test::GuardedFifo fifo(dir / "pipe.png");
  fs::create_directories(dir / "folder.png");
  test::write_raw(dir / "mask.json", layout("pipe.png").dump());
  EXPECT_EQ(load_error(dir / "mask.json"), "'" + (dir / "mask.json").string() + "': layers[0].mask: '" +
                                               fs::canonical(dir / "pipe.png").string() +
                                               "': a FIFO (named pipe), not a regular file (expected an image file)");
  Json with_background = layout(data_uri(png_bytes(test::gray_image(64, 64, [](int, int) { return 0; }))));
  with_background["background"] = {{"image", "pipe.png"}};
  test::write_raw(dir / "bg.json", with_background.dump());
  EXPECT_NE(load_error(dir / "bg.json").find("background.image: '" + fs::canonical(dir / "pipe.png").string() + "': a FIFO"),
            std::string::npos)
      << load_error(dir / "bg.json");
  test::write_raw(dir / "folder.json", layout("folder.png").dump());
  EXPECT_NE(load_error(dir / "folder.json").find("a folder, not a regular file"), std::string::npos);
  EXPECT_FALSE(fifo.reader_was_unblocked());
}

TEST(DocumentInputs, ASymbolicLinkMayNotLeaveTheFolder) {
  test::TempDir dir;
  fs::create_directories(dir / "work");
  test::write_raw(dir / "secret.png", png_bytes(test::gray_image(64, 64, [](int x, int) { return x; })));
  fs::create_symlink("../secret.png", dir / "work" / "m.png");
  test::write_raw(dir / "work" / "a.json", layout("m.png").dump());
  EXPECT_EQ(load_error(dir / "work" / "a.json"),
            "'" + (dir / "work" / "a.json").string() + "': layers[0].mask: 'm.png' leads outside this file's folder (to '" +
                fs::canonical(dir / "secret.png").string() + "', through a symbolic link)");
  // A link that stays inside is followed.
  fs::copy_file(dir / "secret.png", dir / "work" / "real.png");
  fs::create_symlink("real.png", dir / "work" / "inside.png");
  test::write_raw(dir / "work" / "b.json", layout("inside.png").dump());
  EXPECT_EQ(load_error(dir / "work" / "b.json"), "(no error)");
}

TEST(DocumentInputs, DuplicateKeysAreNamed) {
  EXPECT_EQ(parse_error(R"({"format": "semantic-palette", "version": 1, "version": 2, "kind": "layout"})"),
            "'bad.json': duplicate key \"version\" in the top-level object");
  std::string text = layout("x").dump();
  text.insert(text.find("\"prompt\""), "\"prompt\": \"b\", ");
  EXPECT_EQ(parse_error(text), "'bad.json': duplicate key \"prompt\" in layers[0]");
}

TEST(DocumentInputs, MillionsOfValuesAreRefusedBeforeTheTree) {
  Json j = layout("x");
  std::string text = j.dump();
  std::string junk = ", \"junk\": [";
  for (int i = 0; i < 1'000'001; ++i) junk += "{},";
  junk.back() = ']';
  text.insert(text.size() - 1, junk);
  EXPECT_EQ(parse_error(text), "'bad.json': more than 1000000 JSON values");
}

TEST(DocumentInputs, AMaskBombIsRefusedBeforeInflating) {
  // 2048² of data under a header claiming the canvas' 64×64.
  const std::string bomb = bomb_png(2048, 2048, 64);
  EXPECT_EQ(parse_error(layout(data_uri(bomb)).dump()),
            "'bad.json': layers[0].mask: PNG image data is corrupt or inflates to more than the 4160 bytes its "
            "64×64 header implies");
  test::TempDir dir;
  test::write_raw(dir / "bomb.png", bomb);
  test::write_raw(dir / "a.json", layout("bomb.png").dump());
  EXPECT_EQ(load_error(dir / "a.json"), "'" + (dir / "a.json").string() +
                                            "': layers[0].mask: 'bomb.png': PNG image data is corrupt or inflates "
                                            "to more than the 4160 bytes its 64×64 header implies");
}

TEST(DocumentInputs, ABackgroundTooLargeIsRefusedFromItsHeader) {
  // A 10000×10000 header over a few bytes of data: judged by its size, never decoded.
  Json j = layout(data_uri(png_bytes(test::gray_image(64, 64, [](int, int) { return 0; }))));
  j["background"] = {{"image", data_uri(bomb_png(16, 16, 10000))}};
  EXPECT_EQ(parse_error(j.dump()),
            "'bad.json': background.image: the image is 10000×10000, above the limit of 64 megapixels");
  test::TempDir dir;
  test::write_raw(dir / "big.png", bomb_png(16, 16, 10000));
  j["background"]["image"] = "big.png";
  test::write_raw(dir / "a.json", j.dump());
  EXPECT_EQ(load_error(dir / "a.json"), "'" + (dir / "a.json").string() +
                                            "': background.image: 'big.png': 10000×10000 is too large (at most 64 "
                                            "megapixels)");
}

TEST(DocumentInputs, AMaskFileOfTheWrongSizeIsRefusedBeforeDecoding) {
  test::TempDir dir;
  test::write_raw(dir / "m.png", bomb_png(16, 16, 9000));
  test::write_raw(dir / "a.json", layout("m.png").dump());
  EXPECT_EQ(load_error(dir / "a.json"), "'" + (dir / "a.json").string() +
                                            "': layers[0].mask: 'm.png': the image is 9000×9000, expected the "
                                            "canvas size 64×64");
}

}  // namespace
}  // namespace palette
