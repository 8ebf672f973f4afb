// PNG in memory, for the masks and images stored inside palette files. Decoding accepts PNG only
// (not every format stb_image knows), which keeps what a hostile file can reach small.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "palette/image.h"

namespace palette::document {

struct PngInfo {
  int width = 0;
  int height = 0;
  int channels = 0;
};

std::vector<uint8_t> encode_png(const Image& image);  // a valid image (checked by the caller)

// The size and channel count from the header, without decoding. Throws palette::Error (no field
// name; the caller adds it) when the bytes are not a PNG.
PngInfo png_info(const std::vector<uint8_t>& png);

// Decodes to `channels` (0 = the file's own). Throws palette::Error for undecodable data or a side
// above kMaxImageSide, and before decoding anything, for data that inflates beyond what its header
// implies (check_png_data).
Image decode_png(const std::vector<uint8_t>& png, int channels = 0);

}  // namespace palette::document
