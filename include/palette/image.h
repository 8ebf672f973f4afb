// 8-bit images in memory and on disk (PNG, and any format stb_image reads for input).
//
//   palette::Image img = palette::read_image("photo.jpg");          // RGBA8 after conversion
//   palette::write_png("out.png", img, {{"parameters", "a red house\nSteps: 5, …"}});  // text chunks
//
// Failures: read_image / write_png throw palette::Error naming the file and the problem (missing,
// unreadable, not an image, too large, write failure). write_png is atomic (temporary file, rename).
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace palette {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;             // 1 (gray), 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> pixels;  // row-major, interleaved, width·height·channels bytes

  // Same size, channel count and bytes.
  friend bool operator==(const Image& a, const Image& b) {
    return a.width == b.width && a.height == b.height && a.channels == b.channels && a.pixels == b.pixels;
  }
  friend bool operator!=(const Image& a, const Image& b) { return !(a == b); }
};

// Shared pictures are immutable: the same pointer (null included) is the same picture, and two
// pointers are the same picture when their images are equal.
inline bool same_picture(const std::shared_ptr<const Image>& a, const std::shared_ptr<const Image>& b) {
  return a == b || (a && b && *a == *b);
}

// Images larger than this many pixels per side are refused before decoding.
constexpr int kMaxImageSide = 16384;

// Reads a PNG/JPEG/BMP/TGA/… file converted to `channels` (0: keep the file's own count). An image
// of more than `max_pixels` pixels (0: no limit beyond kMaxImageSide) is refused before decoding.
Image read_image(const std::filesystem::path& path, int channels = 0, int64_t max_pixels = 0);

// A text chunk of a PNG. ASCII text goes into a tEXt chunk, any other text into an iTXt chunk
// (UTF-8), as Pillow writes them, so every PNG reader finds it; `compress` asks for a zlib-compressed
// iTXt chunk instead (for large text: other tools read it too, but not every one).
struct PngText {
  std::string keyword;    // 1–79 printable Latin-1 characters, e.g. "parameters"
  std::string text;       // UTF-8
  bool compress = false;  // a compressed iTXt chunk whatever the text
};

// Text chunks inflate to at most this many bytes each when read back (a bigger one is refused):
// the largest text written is a layout file (palette/document_file.h, kMaxDocumentFileBytes).
constexpr uint64_t kMaxPngTextBytes = 192ull << 20;

// Writes `image` as PNG with the given text chunks, in order, right after the header (where Pillow
// and the tools built on it look). Throws palette::Error naming the file for a bad keyword.
void write_png(const std::filesystem::path& path, const Image& image, const std::vector<PngText>& text = {});

// The tEXt, zTXt and iTXt chunks of a PNG file as keyword → UTF-8 text (tEXt and zTXt hold Latin-1,
// converted); empty when there are none, the first chunk of a keyword wins. Throws palette::Error
// naming the file when it is not a PNG, or when a compressed chunk is corrupt or inflates beyond
// kMaxPngTextBytes.
std::map<std::string, std::string> read_png_text(const std::filesystem::path& path);

}  // namespace palette
