// Pictures to paint over in the background-image tests, and how to compare a result with them
// (without LibTorch: the app's tests use it too; photo_tensor.h has the tensor form).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "palette/image.h"

namespace palette::test {

// A picture with structure in every channel (gradients and a checker), so that any shift, resize or
// channel mix-up shows.
inline Image photo(int width, int height, int channels = 3) {
  Image image{width, height, channels, std::vector<uint8_t>(size_t(width) * height * channels)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = &image.pixels[(size_t(y) * width + x) * channels];
      const uint8_t v[4] = {uint8_t(x * 255 / std::max(1, width - 1)),
                            uint8_t(y * 255 / std::max(1, height - 1)),
                            uint8_t(((x / 4 + y / 4) % 2) ? 220 : 30), 255};
      std::copy_n(v, std::min(channels, 4), p);
    }
  return image;
}

inline std::shared_ptr<const Image> shared_photo(int width, int height) {
  return std::make_shared<const Image>(photo(width, height));
}

// The largest difference over the RGB channels of pixel (x, y) between two images (3 or 4 channels).
inline int pixel_difference(const Image& a, const Image& b, int x, int y) {
  int most = 0;
  for (int c = 0; c < 3; ++c)
    most = std::max(most, std::abs(int(a.pixels[(size_t(y) * a.width + x) * a.channels + c]) -
                                   int(b.pixels[(size_t(y) * b.width + x) * b.channels + c])));
  return most;
}

// The largest difference over every pixel's RGB channels between two images of one size; 256 when
// their sizes differ.
inline int max_byte_difference(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height) return 256;
  int most = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) most = std::max(most, pixel_difference(a, b, x, y));
  return most;
}

}  // namespace palette::test
