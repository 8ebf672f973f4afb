// Decoding pictures a user hands us at a cost bounded by their header: the size is read and judged
// before any pixel is decoded, and a PNG's compressed data is inflated into a buffer of the size its
// header implies before stb_image sees it (stb would otherwise inflate a 64×64 header over 30000²
// pixels of data in full, 2.3 GB, before failing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "palette/image.h"

namespace palette {

constexpr uint64_t kMaxImageFileBytes = 512ull << 20;  // a 16384² gray PNG stored uncompressed is 256 MiB

// Throws palette::Error (no file name; the caller adds it) unless `data` is a PNG whose chunks are
// intact up to IEND, whose IHDR is valid and whose IDAT data inflates to at most the bytes its IHDR
// implies (rows with their filter bytes, interlace passes counted). Memory: that many bytes.
void check_png_data(const uint8_t* data, size_t size);

// Called with the image's size from its header, before decoding; throws to refuse it.
using ImageSizeCheck = std::function<void(int width, int height)>;

// Decodes an image file's bytes (any format stb_image reads) to `channels` (0: the file's own
// count). Refuses, before decoding, a side above kMaxImageSide, more than `max_pixels` pixels
// (0: no limit beyond that) and whatever `check` refuses; a PNG passes check_png_data first.
// Throws palette::Error without a file name.
Image decode_image(const std::string& bytes, int channels, int64_t max_pixels, const ImageSizeCheck& check = {});

}  // namespace palette
