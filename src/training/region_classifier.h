// The evaluation's judge: a nearest-class-mean classifier on a region's mean colour and simple texture
// statistics. Its class means come from the procedural world's own pictures, so it knows nothing of
// the model it judges.
// Thread safety: a built classifier is immutable; classify() may run from many threads.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "palette/image.h"
#include "palette/world.h"

namespace palette::training {

// Mean R, G, B (0–1), the standard deviation of luminance, and the mean absolute luminance step to
// the right and downwards neighbours (steps inside the region only).
constexpr int kRegionFeatures = 6;
using RegionFeatures = std::array<float, kRegionFeatures>;

// Features of the pixels of `image` (RGB8) where `inside(x, y)` holds; nullopt under `min_pixels`.
template <class Inside>
std::optional<RegionFeatures> region_features(const Image& image, Inside&& inside, int64_t min_pixels);

// Pixels of class `c` in a width × height class map whose neighbours `erode` pixels away (left, right,
// up, down) are of class `c` too: the region without its border, where generated edges may blur.
std::vector<uint8_t> eroded_region(const std::vector<uint8_t>& classes, int width, int height, WorldClass c, int erode);

class RegionClassifier {
 public:
  // Class means and the pooled within-class spread per feature from `samples` world pictures
  // (size × size) of `seed`, each region eroded by `erode` pixels.
  static RegionClassifier from_world(uint64_t seed, int samples, int size, int erode);

  WorldClass classify(const RegionFeatures& f) const;  // nearest mean in spread-normalised units
  bool knows(WorldClass c) const { return count_[static_cast<size_t>(c)] > 0; }

 private:
  std::array<RegionFeatures, kWorldClassCount> mean_{};
  std::array<int64_t, kWorldClassCount> count_{};
  RegionFeatures spread_{};
};

template <class Inside>
std::optional<RegionFeatures> region_features(const Image& image, Inside&& inside, int64_t min_pixels) {
  const int w = image.width, h = image.height, ch = image.channels;
  const auto lum = [&](int x, int y) {
    const uint8_t* p = &image.pixels[(static_cast<size_t>(y) * w + x) * ch];
    return (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 255.0f;
  };
  double sum[3] = {0, 0, 0}, l_sum = 0, l_sq = 0, dx = 0, dy = 0;
  int64_t n = 0, nx = 0, ny = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      if (!inside(x, y)) continue;
      const uint8_t* p = &image.pixels[(static_cast<size_t>(y) * w + x) * ch];
      for (int k = 0; k < 3; ++k) sum[k] += p[k] / 255.0;
      const double l = lum(x, y);
      l_sum += l;
      l_sq += l * l;
      ++n;
      if (x + 1 < w && inside(x + 1, y)) dx += std::abs(lum(x + 1, y) - l), ++nx;
      if (y + 1 < h && inside(x, y + 1)) dy += std::abs(lum(x, y + 1) - l), ++ny;
    }
  if (n < min_pixels || n == 0) return std::nullopt;
  const double mean_l = l_sum / n;
  return RegionFeatures{static_cast<float>(sum[0] / n), static_cast<float>(sum[1] / n), static_cast<float>(sum[2] / n),
                        static_cast<float>(std::sqrt(std::max(0.0, l_sq / n - mean_l * mean_l))),
                        static_cast<float>(nx ? dx / nx : 0.0), static_cast<float>(ny ? dy / ny : 0.0)};
}

}  // namespace palette::training
