// PNG round trips with provenance text, and clear errors for files that are not images.
#include <gtest/gtest.h>

#include <filesystem>

#include "palette/error.h"
#include "palette/image.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

Image gradient(int w, int h, int c) {
  Image img{w, h, c, std::vector<uint8_t>(size_t(w) * h * c)};
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = uint8_t((i * 7) % 256);
  return img;
}

TEST(ImageFile, PngRoundTripKeepsPixelsAndText) {
  test::TempDir dir;
  for (int c : {1, 3, 4}) {
    const Image img = gradient(13, 7, c);
    const auto path = dir / ("g" + std::to_string(c) + ".png");
    write_png(path, img, {{"parameters", "{\"seed\": 42}"}, {"Software", "Semantic Palette"}});
    const Image back = read_image(path);
    EXPECT_EQ(back.width, 13);
    EXPECT_EQ(back.height, 7);
    EXPECT_EQ(back.channels, c);
    EXPECT_EQ(back.pixels, img.pixels);
    const auto text = read_png_text(path);
    EXPECT_EQ(text.at("parameters"), "{\"seed\": 42}");
    EXPECT_EQ(text.at("Software"), "Semantic Palette");
  }
}

// ASCII text goes into tEXt (every reader's), other UTF-8 into iTXt, and large text may be compressed;
// all three read back as written.
TEST(ImageFile, TextChunksOfEveryKindReadBack) {
  test::TempDir dir;
  const std::string utf8 = "un café au bord de l'eau, 夕焼け";
  const std::string big = std::string(200000, 'a') + utf8;
  write_png(dir / "t.png", gradient(8, 8, 3),
            {{"ascii", "plain text"}, {"utf8", utf8}, {"packed", big, true}, {"packed-ascii", "x", true}});
  const std::string bytes = test::read_raw(dir / "t.png");
  EXPECT_NE(bytes.find(std::string("tEXtascii\0plain text")), std::string::npos);
  EXPECT_NE(bytes.find(std::string("iTXtutf8\0\0\0\0\0", 13)), std::string::npos) << "uncompressed iTXt";
  EXPECT_NE(bytes.find(std::string("iTXtpacked\0\1\0\0\0", 15)), std::string::npos) << "compressed iTXt";
  EXPECT_LT(bytes.size(), 10000u) << "the large text was not compressed";
  const auto text = read_png_text(dir / "t.png");
  EXPECT_EQ(text.at("ascii"), "plain text");
  EXPECT_EQ(text.at("utf8"), utf8);
  EXPECT_EQ(text.at("packed"), big);
  EXPECT_EQ(text.at("packed-ascii"), "x");
}

uint32_t crc32_of(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
  }
  return ~crc;
}

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

// Latin-1 in tEXt (as other tools write it) comes back as UTF-8.
TEST(ImageFile, Latin1TextIsReadAsUtf8) {
  test::TempDir dir;
  write_png(dir / "l.png", gradient(4, 4, 3));
  std::string bytes = test::read_raw(dir / "l.png");
  const std::string body = std::string("tEXtk\0caf\xe9", 10);
  bytes.insert(33, be32(uint32_t(body.size() - 4)) + body + be32(crc32_of(body)));
  test::write_raw(dir / "l.png", bytes);
  EXPECT_EQ(read_png_text(dir / "l.png").at("k"), "caf\xc3\xa9");
}

// A small compressed chunk that would inflate beyond kMaxPngTextBytes is refused, naming the file and
// the chunk, after inflating no more than that.
TEST(ImageFile, ATextBombIsRefused) {
  test::TempDir dir;
  const std::string huge(kMaxPngTextBytes + 1, ' ');
  write_png(dir / "bomb.png", gradient(4, 4, 3), {{"bomb", huge, true}});
  EXPECT_LT(std::filesystem::file_size(dir / "bomb.png"), 4u << 20);  // about 100:1
  try {
    read_png_text(dir / "bomb.png");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bomb.png"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'bomb' text chunk is corrupt or inflates to more than"), std::string::npos)
        << e.what();
  }
}

TEST(ImageFile, ConvertsChannelsOnRead) {
  test::TempDir dir;
  write_png(dir / "rgb.png", gradient(4, 4, 3));
  const Image rgba = read_image(dir / "rgb.png", 4);
  EXPECT_EQ(rgba.channels, 4);
  EXPECT_EQ(rgba.pixels[3], 255);
}

TEST(ImageFile, BadFilesAreClearErrors) {
  test::TempDir dir;
  EXPECT_THROW(read_image(dir / "absent.png"), Error);
  // A name the system refuses (longer than NAME_MAX) is a palette::Error too, not a filesystem_error.
  EXPECT_THROW(read_image(dir / (std::string(5000, 'x') + ".png")), Error);
  test::write_raw(dir / "text.png", "this is not a picture");
  try {
    read_image(dir / "text.png");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text.png"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_png_text(dir / "text.png"), Error);
  EXPECT_THROW(write_png(dir / "bad.png", Image{4, 4, 3, std::vector<uint8_t>(5)}), Error);
  EXPECT_THROW(write_png(dir / "bad.png", gradient(2, 2, 3), {{"", "x"}}), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.png"));
}

}  // namespace
}  // namespace palette
