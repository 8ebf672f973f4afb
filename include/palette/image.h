// 8-bit images in memory and on disk (PNG, and any format stb_image reads for input).
//
//   palette::Image img = palette::read_image("photo.jpg");          // RGBA8 after conversion
//   palette::write_png("out.png", img, {{"parameters", "{…}"}});     // text chunks for provenance
//
// Failures: read_image / write_png throw palette::Error naming the file and the problem (missing,
// unreadable, not an image, too large, write failure). write_png is atomic (temporary file, rename).
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace palette {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;             // 1 (gray), 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> pixels;  // row-major, interleaved, width·height·channels bytes
};

// Images larger than this many pixels per side are refused before decoding.
constexpr int kMaxImageSide = 16384;

// Reads a PNG/JPEG/BMP/TGA/… file converted to `channels` (0: keep the file's own count). An image
// of more than `max_pixels` pixels (0: no limit beyond kMaxImageSide) is refused before decoding.
Image read_image(const std::filesystem::path& path, int channels = 0, int64_t max_pixels = 0);

// Writes `image` as PNG with the given tEXt chunks (keyword → Latin-1 text, keyword 1–79 chars).
void write_png(const std::filesystem::path& path, const Image& image,
               const std::map<std::string, std::string>& text = {});

// The tEXt chunks of a PNG file (empty when there are none). Throws palette::Error when the file
// is not a PNG.
std::map<std::string, std::string> read_png_text(const std::filesystem::path& path);

}  // namespace palette
