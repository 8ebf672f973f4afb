// PNG whose compressed data inflates beyond what its header implies (decompression bombs) are
// refused before stb_image inflates them; genuine PNG, interlaced and 16-bit included, still decode.
#include <gtest/gtest.h>

#include <cstring>

#include "base/image_decode.h"
#include "palette/error.h"
#include "palette/image.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

void put_be32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(char((v >> (8 * i)) & 0xff));
}

// zlib data in stored (uncompressed) deflate blocks: enough to make any inflated size exactly.
std::string zlib_stored(const std::string& raw) {
  std::string out = "\x78\x01";
  size_t at = 0;
  do {
    const size_t n = std::min<size_t>(raw.size() - at, 65535);
    out.push_back(at + n == raw.size() ? 1 : 0);
    out.push_back(char(n & 0xff));
    out.push_back(char(n >> 8));
    out.push_back(char(~n & 0xff));
    out.push_back(char((~n >> 8) & 0xff));
    out += raw.substr(at, n);
    at += n;
  } while (at < raw.size());
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  put_be32(out, (b << 16) | a);
  return out;
}

std::string chunk(const std::string& type, const std::string& body) {
  std::string out;
  put_be32(out, uint32_t(body.size()));
  return out + type + body + std::string(4, '\0');  // stb and the check ignore CRCs
}

std::string png(uint32_t w, uint32_t h, int depth, int colour, int interlace, size_t inflated_bytes) {
  std::string ihdr;
  put_be32(ihdr, w);
  put_be32(ihdr, h);
  ihdr += {char(depth), char(colour), 0, 0, char(interlace)};
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) +
         chunk("IDAT", zlib_stored(std::string(inflated_bytes, '\0'))) + chunk("IEND", "");
}

std::string decode_error(const std::string& bytes) {
  return test::error_of([&] { decode_image(bytes, 0, 0); });
}

TEST(PngBomb, ExactSizesDecode) {
  // 5×3 gray: 3 rows of 1 + 5 bytes. Interlaced, the seven Adam7 passes hold 2+2+0+2+4+6+6 bytes.
  EXPECT_EQ(decode_error(png(5, 3, 8, 0, 0, 18)), test::kNoError);
  EXPECT_EQ(decode_error(png(5, 3, 8, 0, 1, 22)), test::kNoError);
  // 16-bit RGBA, 3×2: 2 rows of 1 + 24 bytes; 1-bit gray, 9×2: 2 rows of 1 + 2 bytes.
  EXPECT_EQ(decode_error(png(3, 2, 16, 6, 0, 50)), test::kNoError);
  EXPECT_EQ(decode_error(png(9, 2, 1, 0, 0, 6)), test::kNoError);
  EXPECT_EQ(decode_error(png(1, 1, 8, 2, 1, 4)), test::kNoError);
}

TEST(PngBomb, MoreDataThanTheHeaderImpliesIsRefused) {
  const std::string refused = "PNG image data is corrupt or inflates to more than the 18 bytes its 5×3 header implies";
  EXPECT_EQ(decode_error(png(5, 3, 8, 0, 0, 19)), refused);
  EXPECT_EQ(decode_error(png(5, 3, 8, 0, 0, 1 << 20)), refused);
  EXPECT_NE(decode_error(png(5, 3, 8, 0, 1, 23)).find("more than the 22 bytes"), std::string::npos);
}

TEST(PngBomb, ABombInAFileIsRefusedNamingIt) {
  // stb's own writer, then the header made to claim 64×64 over 512×512 pixels of data.
  test::TempDir dir;
  write_png(dir / "big.png", Image{512, 512, 1, std::vector<uint8_t>(512 * 512, 0)});
  std::string bytes = test::read_raw(dir / "big.png");
  const char small[8] = {0, 0, 0, 64, 0, 0, 0, 64};
  std::memcpy(bytes.data() + 16, small, 8);
  test::write_raw(dir / "bomb.png", bytes);
  try {
    read_image(dir / "bomb.png");
    FAIL() << "decoded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "'" + (dir / "bomb.png").string() +
                                         "': PNG image data is corrupt or inflates to more than the 4160 bytes "
                                         "its 64×64 header implies");
  }
}

TEST(PngBomb, BrokenStructureIsNamed) {
  const std::string good = png(5, 3, 8, 0, 0, 18);
  EXPECT_EQ(decode_error(good.substr(0, good.size() - 12)), "truncated PNG image (it ends before its IEND chunk)");
  const auto check_error = [](const std::string& bytes) {
    return test::error_of([&] { check_png_data(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()); });
  };
  EXPECT_EQ(check_error(png(5, 3, 7, 0, 0, 18)), "not a valid PNG image (bad IHDR: 5×3, colour type 0, bit depth 7)");
  EXPECT_EQ(check_error(png(5, 3, 8, 2, 2, 18)).rfind("not a valid PNG image (bad IHDR", 0), 0u);
  EXPECT_EQ(check_error(good.substr(0, 8) + chunk("IDAT", "") + good.substr(8)),
            "not a valid PNG image (it does not start with IHDR)");
  EXPECT_EQ(check_error(good.substr(0, 50)), "truncated PNG image (a chunk runs past the end)");
}

TEST(PngBomb, SizeLimitsComeBeforeDecoding) {
  // 10000×10000 claimed over a few bytes: refused from the header, as a too large picture.
  const std::string big = png(10000, 10000, 8, 0, 0, 10);
  try {
    decode_image(big, 3, 64'000'000);
    FAIL() << "decoded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "10000×10000 is too large (at most 64 megapixels)");
  }
  bool checked = false;
  EXPECT_THROW(decode_image(png(5, 3, 8, 0, 0, 18), 0, 0,
                            [&](int w, int h) {
                              checked = w == 5 && h == 3;
                              throw Error("refused by the caller");
                            }),
               Error);
  EXPECT_TRUE(checked);
}

}  // namespace
}  // namespace palette
