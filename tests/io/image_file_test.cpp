// PNG round trips with provenance text, and clear errors for files that are not images.
#include <gtest/gtest.h>

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
