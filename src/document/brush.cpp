#include "document/brush.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "palette/error.h"

namespace palette::document {

namespace {

constexpr double kMaxDiameter = 4096;
constexpr int T = kMaskTileSize;

void check(const char* member, double value, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high) {
    std::ostringstream out;
    out << "brush." << member << " " << value << " must be in [" << low << ", " << high << "]";
    throw Error(out.str());
  }
}

double distance_to_segment(double px, double py, double x0, double y0, double x1, double y1) {
  const double dx = x1 - x0, dy = y1 - y0;
  const double length2 = dx * dx + dy * dy;
  double t = length2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / length2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

}  // namespace

double brush_profile(const Brush& brush, double distance) {
  const double radius = brush.diameter / 2;
  const double band = std::clamp(radius * (1 - brush.hardness), std::min(1.0, radius), radius);
  if (distance >= radius) return 0;
  if (distance <= radius - band) return 1;
  const double s = (radius - distance) / band;
  return s * s * (3 - 2 * s);
}

void validate_brush(const Brush& brush) {
  check("diameter", brush.diameter, 1, kMaxDiameter);
  check("hardness", brush.hardness, 0, 1);
  check("opacity", brush.opacity, 0, 1);
}

bool paint_segment(Mask& mask, TileRecorder& recorder, const Brush& brush, double x0, double y0, double x1,
                   double y1) {
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return false;
  const double radius = brush.diameter / 2;
  // Pixels whose centre can be within `radius` of the segment, clipped to the mask.
  const int left = std::max(0, int(std::floor(std::min(x0, x1) - radius - 0.5)));
  const int top = std::max(0, int(std::floor(std::min(y0, y1) - radius - 0.5)));
  const int right = std::min(mask.width() - 1, int(std::ceil(std::max(x0, x1) + radius - 0.5)));
  const int bottom = std::min(mask.height() - 1, int(std::ceil(std::max(y0, y1) + radius - 0.5)));
  if (left > right || top > bottom) return false;
  bool changed = false;
  for (int ty = top / T; ty <= bottom / T; ++ty) {
    for (int tx = left / T; tx <= right / T; ++tx) {
      const int index = ty * mask.tiles_x() + tx;
      const MaskTile* tile = mask.tile(index);
      uint8_t* out = nullptr;  // obtained on the tile's first change, so untouched tiles stay shared
      const int ya = std::max(top, ty * T), yb = std::min(bottom, ty * T + T - 1);
      const int xa = std::max(left, tx * T), xb = std::min(right, tx * T + T - 1);
      for (int y = ya; y <= yb; ++y) {
        for (int x = xa; x <= xb; ++x) {
          const double d = distance_to_segment(x + 0.5, y + 0.5, x0, y0, x1, y1);
          const double a = brush_profile(brush, d);
          if (a <= 0) continue;
          const int v = int(std::lround(255 * brush.opacity * a));
          const int at = (y - ty * T) * T + (x - tx * T);
          const int old = out != nullptr ? out[at] : tile != nullptr ? tile->coverage[at] : 0;
          const int next = brush.erase ? std::min(old, 255 - v) : std::max(old, v);
          if (next == old) continue;
          if (out == nullptr) out = recorder.write(mask, index);
          out[at] = uint8_t(next);
          changed = true;
        }
      }
    }
  }
  return changed;
}

}  // namespace palette::document
