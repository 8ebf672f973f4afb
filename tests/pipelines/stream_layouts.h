// Small layouts for the stream engine's tests: rectangles painted on a small canvas.
#pragma once

#include <torch/torch.h>

#include <string>

#include "palette/stream.h"

namespace palette::test {

// A (height, width) mask with 1 inside rows [y0, y1) and columns [x0, x1).
inline torch::Tensor rect_mask(int64_t height, int64_t width, int64_t y0, int64_t y1, int64_t x0, int64_t x1,
                               float value = 1.0f) {
  torch::Tensor m = torch::zeros({height, width});
  m.slice(0, y0, y1).slice(1, x0, x1).fill_(value);
  return m;
}

inline StreamLayer stream_layer(uint64_t id, const std::string& prompt, torch::Tensor mask) {
  StreamLayer layer;
  layer.id = id;
  layer.region.prompt = prompt;
  layer.region.mask = std::move(mask);
  return layer;
}

// 64×64 (8×8 latents with the tiny fixture models): a sky over the whole canvas, a house at the
// bottom left and a tree on the right that overlaps the house.
inline StreamSnapshot small_layout(uint64_t version = 1, uint64_t seed = 11) {
  StreamSnapshot s;
  s.version = version;
  s.width = 64;
  s.height = 64;
  s.seed = seed;
  s.background.prompt = "a clear sky";
  s.layers.push_back(stream_layer(1, "a red house", rect_mask(64, 64, 32, 64, 0, 40)));
  s.layers.push_back(stream_layer(2, "a green tree", rect_mask(64, 64, 8, 56, 32, 56)));
  return s;
}

}  // namespace palette::test
