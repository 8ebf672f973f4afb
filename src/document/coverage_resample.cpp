#include "document/coverage_resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace palette::document {

namespace {

// The source samples and normalised weights that make up one output sample along one axis.
struct Taps {
  std::vector<int> first;  // per output sample: index of the first source sample
  std::vector<int> count;
  std::vector<float> weights;  // per output sample: `count` weights, starting at offset[i]
  std::vector<size_t> offset;
};

// Shrinking: each output sample is the area average of the source samples it covers (exact for
// whole factors, so a halved checkerboard is uniformly grey). Enlarging: linear interpolation
// between the two nearest source samples, the edge samples extended outwards.
Taps make_taps(int source, int target) {
  const double scale = double(source) / target;
  Taps taps;
  for (int i = 0; i < target; ++i) {
    taps.offset.push_back(taps.weights.size());
    if (scale >= 1) {
      const double lo = i * scale, hi = (i + 1) * scale;
      const int first = int(std::floor(lo));
      const int last = std::min(source - 1, int(std::ceil(hi)) - 1);
      taps.first.push_back(first);
      for (int j = first; j <= last; ++j)
        taps.weights.push_back(float((std::min(hi, j + 1.0) - std::max(lo, double(j))) / scale));
      taps.count.push_back(last - first + 1);
    } else {
      const double centre = (i + 0.5) * scale - 0.5;  // in source sample indices
      const int left = int(std::floor(centre));
      const double t = centre - left;
      const int a = std::clamp(left, 0, source - 1), b = std::clamp(left + 1, 0, source - 1);
      taps.first.push_back(a);
      if (a == b) {
        taps.weights.push_back(1.0f);
        taps.count.push_back(1);
      } else {
        taps.weights.push_back(float(1 - t));
        taps.weights.push_back(float(t));
        taps.count.push_back(2);
      }
    }
  }
  return taps;
}

}  // namespace

uint8_t pixel_coverage(const uint8_t* pixel, int channels) {
  switch (channels) {
    case 1:
      return pixel[0];
    case 3:
      return uint8_t((299 * pixel[0] + 587 * pixel[1] + 114 * pixel[2] + 500) / 1000);
    default:
      return pixel[channels - 1];
  }
}

void resample_coverage(const Image& image, int width, int height,
                       const std::function<void(int y, const uint8_t* values)>& row) {
  const int c = image.channels;
  const size_t stride = size_t(image.width) * c;
  std::vector<uint8_t> out(width);
  if (image.width == width && image.height == height) {
    for (int y = 0; y < height; ++y) {
      const uint8_t* src = image.pixels.data() + y * stride;
      for (int x = 0; x < width; ++x) out[x] = pixel_coverage(src + size_t(x) * c, c);
      row(y, out.data());
    }
    return;
  }
  const Taps across = make_taps(image.width, width);
  const Taps down = make_taps(image.height, height);
  std::vector<float> column_sum(image.width);
  for (int y = 0; y < height; ++y) {
    std::fill(column_sum.begin(), column_sum.end(), 0.0f);
    for (int k = 0; k < down.count[y]; ++k) {
      const float w = down.weights[down.offset[y] + k];
      const uint8_t* src = image.pixels.data() + size_t(down.first[y] + k) * stride;
      for (int x = 0; x < image.width; ++x) column_sum[x] += w * pixel_coverage(src + size_t(x) * c, c);
    }
    for (int x = 0; x < width; ++x) {
      float v = 0;
      for (int k = 0; k < across.count[x]; ++k)
        v += across.weights[across.offset[x] + k] * column_sum[across.first[x] + k];
      out[x] = uint8_t(std::clamp(std::lround(v), 0l, 255l));
    }
    row(y, out.data());
  }
}

}  // namespace palette::document
