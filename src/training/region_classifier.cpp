#include "training/region_classifier.h"

#include <cmath>
#include <limits>

namespace palette::training {

std::vector<uint8_t> eroded_region(const std::vector<uint8_t>& classes, int w, int h, WorldClass c, int erode) {
  const auto is = [&](int x, int y) {
    return x >= 0 && y >= 0 && x < w && y < h && classes[static_cast<size_t>(y) * w + x] == static_cast<uint8_t>(c);
  };
  std::vector<uint8_t> out(classes.size(), 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      bool keep = is(x, y);
      for (int d = 1; keep && d <= erode; ++d) keep = is(x - d, y) && is(x + d, y) && is(x, y - d) && is(x, y + d);
      out[static_cast<size_t>(y) * w + x] = keep ? 1 : 0;
    }
  return out;
}

RegionClassifier RegionClassifier::from_world(uint64_t seed, int samples, int size, int erode) {
  RegionClassifier k;
  std::array<std::vector<RegionFeatures>, kWorldClassCount> seen;
  WorldOptions options;
  options.width = options.height = size;
  for (int i = 0; i < samples; ++i) {
    const WorldSample s = make_world_sample(seed, static_cast<uint64_t>(i), options);
    const auto counts = world_class_counts(s);
    for (int c = 0; c < kWorldClassCount; ++c) {
      if (counts[c] == 0) continue;
      const auto region = eroded_region(s.classes, size, size, static_cast<WorldClass>(c), erode);
      const auto f = region_features(s.image, [&](int x, int y) { return region[static_cast<size_t>(y) * size + x] != 0; }, 16);
      if (f) seen[c].push_back(*f);
    }
  }
  std::array<double, kRegionFeatures> within{};
  int64_t total = 0;
  for (int c = 0; c < kWorldClassCount; ++c) {
    k.count_[c] = static_cast<int64_t>(seen[c].size());
    if (seen[c].empty()) continue;
    for (int j = 0; j < kRegionFeatures; ++j) {
      double m = 0;
      for (const auto& f : seen[c]) m += f[j];
      m /= static_cast<double>(seen[c].size());
      k.mean_[c][j] = static_cast<float>(m);
      for (const auto& f : seen[c]) within[j] += (f[j] - m) * (f[j] - m);
    }
    total += k.count_[c];
  }
  for (int j = 0; j < kRegionFeatures; ++j)
    k.spread_[j] = static_cast<float>(std::sqrt(within[j] / std::max<int64_t>(total, 1)) + 1e-4);
  return k;
}

WorldClass RegionClassifier::classify(const RegionFeatures& f) const {
  int best = 0;
  double best_d = std::numeric_limits<double>::infinity();
  for (int c = 0; c < kWorldClassCount; ++c) {
    if (count_[c] == 0) continue;
    double d = 0;
    for (int j = 0; j < kRegionFeatures; ++j) {
      const double z = (f[j] - mean_[c][j]) / spread_[j];
      d += z * z;
    }
    if (d < best_d) best_d = d, best = c;
  }
  return static_cast<WorldClass>(best);
}

}  // namespace palette::training
