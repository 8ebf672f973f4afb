#include "document/flood_fill.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace palette::document {

namespace {

constexpr int T = kMaskTileSize;

// The region test for one pixel. Holds copies of the masks (sharing their tiles), so the fill's own
// writes never change the answer.
class RegionTest {
 public:
  RegionTest(const std::vector<Layer>& layers, size_t target, const FillOptions& options, int x, int y)
      : options_(options) {
    if (options.region == FillRegion::LayerMask) {
      masks_.push_back(layers[target].mask);
    } else {
      for (const Layer& layer : layers)
        if (layer.properties.enabled) masks_.push_back(layer.mask);
    }
    seed_ = key(x, y);
  }
  bool inside(int x, int y) const {
    const int k = key(x, y);
    return options_.region == FillRegion::LayerMask ? std::abs(k - seed_) <= options_.tolerance : k == seed_;
  }

 private:
  // LayerMask: the coverage. Canvas: the index of the topmost mask with coverage ≥ 128, or −1.
  int key(int x, int y) const {
    if (options_.region == FillRegion::LayerMask) return masks_[0].at(x, y);
    for (int i = int(masks_.size()) - 1; i >= 0; --i)
      if (masks_[i].at(x, y) >= 128) return i;
    return -1;
  }
  FillOptions options_;
  std::vector<Mask> masks_;
  int seed_ = 0;
};

// Sets pixels [x0, x1] of row y to `value`, one tile at a time.
void write_span(Mask& mask, TileRecorder& recorder, int y, int x0, int x1, uint8_t value) {
  for (int x = x0; x <= x1;) {
    const int end = std::min(x1, (x / T) * T + T - 1);
    const int index = mask.tile_index(x, y);
    const MaskTile* tile = mask.tile(index);
    const uint8_t* current = tile != nullptr ? tile->coverage.data() + (y % T) * T + x % T : nullptr;
    const bool same = current != nullptr ? std::all_of(current, current + (end - x + 1),
                                                       [&](uint8_t v) { return v == value; })
                                         : value == 0;
    if (!same) std::memset(recorder.write(mask, index) + (y % T) * T + x % T, value, size_t(end - x + 1));
    x = end + 1;
  }
}

}  // namespace

bool flood_fill(std::vector<Layer>& layers, size_t target, int x, int y, const FillOptions& options,
                TileRecorder& recorder) {
  Mask& mask = layers[target].mask;
  const int w = mask.width(), h = mask.height();
  if (x < 0 || y < 0 || x >= w || y >= h) return false;
  const RegionTest test(layers, target, options, x, y);
  std::vector<bool> seen(size_t(w) * h, false);
  const auto open = [&](int px, int py) { return !seen[size_t(py) * w + px] && test.inside(px, py); };
  // Scanline fill: each popped seed grows into the whole run of its row; the rows above and below
  // are scanned along that run for the starts of further runs.
  std::vector<std::pair<int, int>> stack = {{x, y}};
  while (!stack.empty()) {
    auto [sx, sy] = stack.back();
    stack.pop_back();
    if (!open(sx, sy)) continue;
    int x0 = sx, x1 = sx;
    while (x0 > 0 && open(x0 - 1, sy)) --x0;
    while (x1 < w - 1 && open(x1 + 1, sy)) ++x1;
    std::fill(seen.begin() + size_t(sy) * w + x0, seen.begin() + size_t(sy) * w + x1 + 1, true);
    write_span(mask, recorder, sy, x0, x1, options.value);
    for (int ny : {sy - 1, sy + 1}) {
      if (ny < 0 || ny >= h) continue;
      bool in_run = false;
      for (int nx = x0; nx <= x1; ++nx) {
        const bool o = open(nx, ny);
        if (o && !in_run) stack.emplace_back(nx, ny);
        in_run = o;
      }
    }
  }
  return recorder.touched() > 0;
}

}  // namespace palette::document
