// Mask storage: copy-on-write tiles, edge tiles, conversions to and from images.
#include <gtest/gtest.h>

#include "document_test_util.h"
#include "palette/error.h"
#include "palette/mask.h"

namespace palette {
namespace {

TEST(DocumentMask, StartsEmptyWithoutTiles) {
  const Mask mask(200, 100);
  EXPECT_EQ(mask.tiles_x(), 4);  // ceil(200 / 64)
  EXPECT_EQ(mask.tiles_y(), 2);
  EXPECT_TRUE(mask.empty());
  for (int i = 0; i < mask.tile_count(); ++i) EXPECT_EQ(mask.tile(i), nullptr);
  EXPECT_EQ(mask.at(-1, 5), 0);
  EXPECT_EQ(mask.at(200, 5), 0);
}

TEST(DocumentMask, RefusesBadSizes) {
  EXPECT_THROW(Mask(0, 10), Error);
  EXPECT_THROW(Mask(10, kMaxImageSide + 1), Error);
}

TEST(DocumentMask, CopiesShareTilesUntilWritten) {
  Mask a(256, 256);
  a.set(10, 10, 200);
  a.set(200, 200, 100);
  Mask b = a;
  EXPECT_EQ(test::tiles_not_shared(a, b), 0);
  b.set(10, 11, 50);  // tile 0 only
  EXPECT_EQ(a.at(10, 11), 0);
  EXPECT_EQ(b.at(10, 11), 50);
  EXPECT_EQ(b.at(10, 10), 200);
  EXPECT_EQ(test::tiles_not_shared(a, b), 1);
  EXPECT_NE(a.shared_tile(0), b.shared_tile(0));
  EXPECT_EQ(a.shared_tile(15), b.shared_tile(15));  // tile (3, 3) holds (200, 200)
}

TEST(DocumentMask, WritesInPlaceWhenSoleOwner) {
  Mask a(64, 64);
  a.set(1, 1, 9);
  const MaskTile* before = a.tile(0);
  a.set(2, 2, 9);
  EXPECT_EQ(a.tile(0), before);
}

TEST(DocumentMask, FillKeepsPixelsOutsideTheMaskAtZero) {
  Mask mask(100, 72);  // edge tiles are 36 × 8 pixels
  mask.fill(255);
  for (int y = 0; y < 72; ++y)
    for (int x = 0; x < 100; ++x) ASSERT_EQ(mask.at(x, y), 255) << x << "," << y;
  const MaskTile* edge = mask.tile(3);          // tile (1, 1): x 64…127, y 64…127
  EXPECT_EQ(edge->coverage[0 * 64 + 35], 255);  // pixel (99, 64)
  EXPECT_EQ(edge->coverage[0 * 64 + 36], 0);    // (100, 64) is outside
  EXPECT_EQ(edge->coverage[8 * 64 + 0], 0);     // (64, 72) is outside
  Mask by_pixel(100, 72);
  for (int y = 0; y < 72; ++y)
    for (int x = 0; x < 100; ++x) by_pixel.set(x, y, 255);
  EXPECT_EQ(mask, by_pixel);
  mask.fill(0);
  EXPECT_TRUE(mask.empty());
}

TEST(DocumentMask, FullInteriorTilesAreShared) {
  Mask mask(256, 256);
  mask.fill(7);
  EXPECT_EQ(mask.shared_tile(0), mask.shared_tile(5));
  mask.set(0, 0, 1);  // copy-on-write splits tile 0 off
  EXPECT_EQ(mask.at(0, 0), 1);
  EXPECT_EQ(mask.at(64, 0), 7);
}

TEST(DocumentMask, ImageRoundTrip) {
  const Image image = test::gray_image(130, 70, [](int x, int y) { return (x * 3 + y * 5) % 256; });
  const Mask mask = Mask::from_image(image, 130, 70);
  EXPECT_EQ(mask.at(129, 69), (129 * 3 + 69 * 5) % 256);
  const Image back = mask.to_image();
  EXPECT_EQ(back.width, 130);
  EXPECT_EQ(back.height, 70);
  EXPECT_EQ(back.channels, 1);
  EXPECT_EQ(back.pixels, image.pixels);
}

TEST(DocumentMask, CoverageFromAlphaGrayOrLuma) {
  Image rgba{1, 1, 4, {10, 20, 30, 40}};
  EXPECT_EQ(Mask::from_image(rgba, 64, 64).at(5, 5), 40);
  Image gray_alpha{1, 1, 2, {10, 99}};
  EXPECT_EQ(Mask::from_image(gray_alpha, 64, 64).at(0, 0), 99);
  Image red{1, 1, 3, {255, 0, 0}};
  EXPECT_EQ(Mask::from_image(red, 64, 64).at(63, 63), 76);  // round(0.299 · 255) = 76
}

TEST(DocumentMask, ShrinkingAveragesAndEnlargingInterpolates) {
  // A 1-pixel checkerboard halved: every output pixel averages equal numbers of 0 and 255.
  const Image checker = test::gray_image(128, 128, [](int x, int y) { return (x + y) % 2 ? 255 : 0; });
  const Mask half = Mask::from_image(checker, 64, 64);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) ASSERT_NEAR(half.at(x, y), 127.5, 1.0) << x << "," << y;
  // Left column 0, right column 200, enlarged to 64 wide: monotonic, ends near the source values.
  const Image two = test::gray_image(2, 1, [](int x, int) { return x ? 200 : 0; });
  const Mask wide = Mask::from_image(two, 64, 64);
  EXPECT_EQ(wide.at(0, 0), 0);
  EXPECT_EQ(wide.at(63, 30), 200);
  for (int x = 1; x < 64; ++x) EXPECT_GE(wide.at(x, 7), wide.at(x - 1, 7));
  // Output pixel x samples source position (x + 0.5) / 32 − 0.5: pixels 31 and 32 straddle the middle.
  EXPECT_LT(wide.at(31, 0), 100);
  EXPECT_GT(wide.at(32, 0), 100);
}

TEST(DocumentMask, RefusesInvalidImages) {
  Image broken{4, 4, 1, std::vector<uint8_t>(3)};
  EXPECT_THROW(Mask::from_image(broken, 64, 64), Error);
  EXPECT_THROW(Mask::from_image(Image{}, 64, 64), Error);
}

TEST(DocumentMask, EqualityIgnoresHowZerosAreStored) {
  Mask a(64, 64), b(64, 64);
  b.set(3, 3, 1);
  EXPECT_NE(a, b);
  b.set(3, 3, 0);  // an allocated tile of zeros
  EXPECT_NE(b.tile(0), nullptr);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, Mask(64, 72));
}

}  // namespace
}  // namespace palette
