// Small builders shared by the document tests.
#pragma once

#include <string>

#include "palette/document.h"
#include "palette/image.h"

namespace palette::test {

inline LayerProperties layer_properties(const std::string& name, const std::string& color = "#336699",
                                        const std::string& prompt = "a prompt") {
  LayerProperties p;
  p.name = name;
  p.color = *parse_color(color);
  p.prompt = prompt;
  return p;
}

// A gray image whose pixel (x, y) is f(x, y).
template <typename F>
Image gray_image(int w, int h, F f) {
  Image image{w, h, 1, std::vector<uint8_t>(size_t(w) * h)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) image.pixels[size_t(y) * w + x] = uint8_t(f(x, y));
  return image;
}

// How many tiles of `a` and `b` are different objects (the tiles an edit between them replaced).
inline int tiles_not_shared(const Mask& a, const Mask& b) {
  int n = 0;
  for (int i = 0; i < a.tile_count(); ++i) n += a.shared_tile(i) != b.shared_tile(i);
  return n;
}

}  // namespace palette::test
