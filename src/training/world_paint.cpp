#include "training/world_paint.h"

#include <algorithm>

namespace palette::training {

namespace {

int to_px(float coordinate, const Canvas& c) { return static_cast<int>(std::floor(coordinate * static_cast<float>(c.h))); }

// The pixel rectangle covering [u0, u1) × [v0, v1), clipped to the canvas.
struct PixelBox {
  int x0, y0, x1, y1;
};
PixelBox box(const Canvas& c, float u0, float v0, float u1, float v1) {
  return {std::max(0, to_px(u0, c)), std::max(0, to_px(v0, c)), std::min(c.w, to_px(u1, c) + 1),
          std::min(c.h, to_px(v1, c) + 1)};
}

template <class F>
void for_box(const PixelBox& b, F&& f) {
  for (int y = b.y0; y < b.y1; ++y)
    for (int x = b.x0; x < b.x1; ++x) f(x, y);
}

const Rgb kDoor{0.30f, 0.18f, 0.10f};
const Rgb kGlass{0.52f, 0.66f, 0.80f};
const Rgb kFrame{0.92f, 0.91f, 0.87f};

// Roof tiles: rows of shingles in the roof colour.
Rgb roof_tiles(const ClassLook& look, float u, float v) {
  const float row = v * 60.0f;
  const float course = row - std::floor(row);
  const float tone = 0.85f + 0.3f * value_noise(look.seed + 7, u * 30.0f, std::floor(row));
  return course < 0.2f ? look.c2 * 0.6f : look.c2 * tone;
}

Rgb bark(const ClassLook& look, float u, float v) {
  return look.c2 * (0.75f + 0.4f * value_noise(look.seed + 9, u * 120.0f, v * 12.0f));
}

// Windows and a door on a wall spanning [left, right] × [top, base].
void paint_openings(Canvas& c, WorldRng& rng, float left, float right, float top, float base) {
  const float width = right - left, height = base - top;
  const float door_w = 0.2f * width, door_h = 0.55f * height;
  const float door_u = rng.uniform(left + 0.08f * width, right - 0.08f * width - door_w);
  for_box(box(c, door_u, base - door_h, door_u + door_w, base), [&](int x, int y) {
    if (c.at(x, y) == WorldClass::House) c.put(x, y, WorldClass::House, kDoor * (0.9f + 0.1f * (c.u(x) > door_u + 0.8f * door_w)));
  });
  const float win = 0.18f * width;
  for (int i = 0; i < 2; ++i) {
    const float wu = i == 0 ? left + 0.1f * width : right - 0.1f * width - win;
    if (wu < door_u + door_w && wu + win > door_u) continue;  // no window over the door
    const float wv = top + 0.22f * height;
    for_box(box(c, wu, wv, wu + win, wv + win), [&](int x, int y) {
      if (c.at(x, y) != WorldClass::House) return;
      const float fu = (c.u(x) - wu) / win, fv = (c.v(y) - wv) / win;
      const bool frame = fu < 0.12f || fu > 0.88f || fv < 0.12f || fv > 0.88f || (fu > 0.45f && fu < 0.55f) ||
                         (fv > 0.45f && fv < 0.55f);
      c.put(x, y, WorldClass::House, frame ? kFrame : kGlass * (0.8f + 0.4f * fv));
    });
  }
}

}  // namespace

Canvas::Canvas(int width, int height)
    : w(width), h(height), rgb(static_cast<size_t>(3) * width * height, 0.0f), classes(static_cast<size_t>(width) * height, 0) {}

void Canvas::put(int x, int y, WorldClass c, Rgb col) {
  const size_t i = static_cast<size_t>(y) * w + x;
  classes[i] = static_cast<uint8_t>(c);
  rgb[3 * i] = clamp01(col.r);
  rgb[3 * i + 1] = clamp01(col.g);
  rgb[3 * i + 2] = clamp01(col.b);
}

bool is_sky(WorldClass c) {
  return c == WorldClass::ClearSky || c == WorldClass::CloudySky || c == WorldClass::SunsetSky;
}

bool is_ground(WorldClass c) {
  return c == WorldClass::Grass || c == WorldClass::Sand || c == WorldClass::Snow || c == WorldClass::Rock;
}

std::vector<float> level_edge(const Canvas& c, float level, float wobble, float frequency, uint64_t seed) {
  std::vector<float> edge(c.w);
  for (int x = 0; x < c.w; ++x) edge[x] = level + wobble * (2.0f * fbm(seed, c.u(x) * frequency, 0.37f, 3) - 1.0f);
  return edge;
}

std::vector<float> ridge_edge(const Canvas& c, float base, float height, float frequency, uint64_t seed) {
  std::vector<float> edge(c.w);
  for (int x = 0; x < c.w; ++x) {
    // fBm values bunch around 0.5: stretch them into distinct peaks and valleys, with ridged detail.
    const float massif = smoothstep(0.3f, 0.72f, fbm(seed, c.u(x) * frequency, 0.61f, 5));
    const float detail = ridged(seed + 5, c.u(x) * frequency * 4.0f, 0.13f, 3);
    edge[x] = base - height * (0.12f + 0.73f * massif + 0.15f * detail);
  }
  return edge;
}

std::vector<float> treeline_edge(const Canvas& c, float level, float height, uint64_t seed) {
  std::vector<float> edge(c.w);
  for (int x = 0; x < c.w; ++x) {
    const float crowns = triangle(c.u(x) * 45.0f + 0.5f * value_noise(seed, c.u(x) * 12.0f, 0.5f));
    edge[x] = level - height * (0.5f * crowns + 0.5f * fbm(seed + 3, c.u(x) * 5.0f, 0.29f, 3));
  }
  return edge;
}

void paint_bands(Canvas& c, std::vector<Band>& bands) {
  for (size_t i = 1; i < bands.size(); ++i)
    for (int x = 0; x < c.w; ++x) bands[i].bottom[x] = std::max(bands[i].bottom[x], bands[i - 1].bottom[x]);
  for (int x = 0; x < c.w; ++x) {
    size_t band = 0;
    float top = 0.0f;
    for (int y = 0; y < c.h; ++y) {
      const float v = c.v(y);
      while (band + 1 < bands.size() && v >= bands[band].bottom[x]) top = bands[band++].bottom[x];
      const float bottom = band + 1 < bands.size() ? bands[band].bottom[x] : 1.0f;
      const float t = clamp01((v - top) / std::max(bottom - top, 1e-3f));
      c.put(x, y, bands[band].look.cls, shade(bands[band].look, c.u(x), v, t));
    }
  }
}

void paint_snow_caps(Canvas& c, const ClassLook& snow, float level, uint64_t seed) {
  for (int y = 0; y < c.h; ++y)
    for (int x = 0; x < c.w; ++x) {
      if (c.at(x, y) != WorldClass::Mountain) continue;
      const float line = level + 0.08f * (fbm(seed, c.u(x) * 9.0f, c.v(y) * 6.0f, 4) - 0.5f);
      if (c.v(y) < line) c.put(x, y, WorldClass::Snow, shade(snow, c.u(x), c.v(y), 0.3f));
    }
}

void paint_disc(Canvas& c, const ClassLook& look, float u, float v, float r) {
  for_box(box(c, u - r, v - r, u + r, v + r), [&](int x, int y) {
    const float du = c.u(x) - u, dv = c.v(y) - v;
    const float d = std::sqrt(du * du + dv * dv);
    if (d > r || !is_sky(c.at(x, y))) return;
    // the sun darkens towards its rim; the moon is lit from above
    const float t = look.cls == WorldClass::Sun ? d / r : clamp01(0.5f + 0.5f * dv / r);
    c.put(x, y, look.cls, shade(look, c.u(x), c.v(y), t));
  });
}

void paint_lake(Canvas& c, const ClassLook& look, float u, float v, float ru, float rv) {
  for_box(box(c, u - 1.3f * ru, v - 1.3f * rv, u + 1.3f * ru, v + 1.3f * rv), [&](int x, int y) {
    const float du = (c.u(x) - u) / ru, dv = (c.v(y) - v) / rv;
    const float ragged = 0.85f + 0.3f * fbm(look.seed + 11, c.u(x) * 8.0f, c.v(y) * 8.0f, 3);
    if (du * du + dv * dv > ragged * ragged || !is_ground(c.at(x, y))) return;
    c.put(x, y, WorldClass::Lake, shade(look, c.u(x), c.v(y), clamp01(0.5f + 0.5f * dv)));
  });
}

void paint_road(Canvas& c, const ClassLook& look, float u_bottom, float half_width, float u_far, float v_far,
                float bend) {
  for (int y = std::max(0, to_px(v_far, c)); y < c.h; ++y) {
    const float s = clamp01((c.v(y) - v_far) / std::max(1.0f - v_far, 1e-3f));  // 0 far … 1 near
    const float centre = lerpf(u_far, u_bottom, s) + bend * s * (1.0f - s);
    const float half = lerpf(0.004f, half_width, s);
    const float depth = 1.0f / (s + 0.08f);  // dashes shorten with distance
    for (int x = 0; x < c.w; ++x) {
      const float off = (c.u(x) - centre) / half;
      if (off < -1.0f || off > 1.0f || !is_ground(c.at(x, y))) continue;
      Rgb col = shade(look, c.u(x), c.v(y), s);
      if (off > -0.05f && off < 0.05f && triangle(depth * 1.5f) > 0.5f) col = look.c1;
      if (off < -0.92f || off > 0.92f) col = col * 1.5f;  // worn edges
      c.put(x, y, WorldClass::Road, col);
    }
  }
}

void paint_boulder(Canvas& c, const ClassLook& look, float u, float v_base, float ru, float rv) {
  const float vc = v_base - 0.8f * rv;
  for_box(box(c, u - 1.2f * ru, vc - 1.2f * rv, u + 1.2f * ru, v_base), [&](int x, int y) {
    const float du = (c.u(x) - u) / ru, dv = (c.v(y) - vc) / rv;
    const float ragged = 0.8f + 0.35f * fbm(look.seed + 13, c.u(x) * 14.0f, c.v(y) * 14.0f, 3);
    if (du * du + dv * dv > ragged * ragged || c.v(y) > v_base) return;
    const float light = 1.15f - 0.3f * clamp01(0.5f + 0.5f * (du + dv));  // lit from the upper left
    c.put(x, y, WorldClass::Rock, shade(look, c.u(x), c.v(y), 0.5f) * light);
  });
}

void paint_house(Canvas& c, const ClassLook& look, WorldRng& rng, float u, float v_base, float width) {
  const float wall_h = width * rng.uniform(0.5f, 0.75f), roof_h = width * rng.uniform(0.3f, 0.55f);
  const float left = u - 0.5f * width, right = u + 0.5f * width, eave = v_base - wall_h;
  const float overhang = 0.06f * width;
  for_box(box(c, left, eave, right, v_base), [&](int x, int y) {
    c.put(x, y, WorldClass::House, shade(look, c.u(x), c.v(y), 0.5f));
  });
  for_box(box(c, left - overhang, eave - roof_h, right + overhang, eave), [&](int x, int y) {
    const float rise = (eave - c.v(y)) / roof_h;  // 0 at the eave, 1 at the ridge
    const float half = (0.5f * width + overhang) * (1.0f - rise);
    if (c.u(x) < u - half || c.u(x) > u + half) return;
    c.put(x, y, WorldClass::House, roof_tiles(look, c.u(x), c.v(y)));
  });
  paint_openings(c, rng, left, right, eave, v_base);
}

void paint_tree(Canvas& c, const ClassLook& look, float u, float v_base, float crown) {
  const float trunk_w = 0.28f * crown, trunk_h = 0.9f * crown;
  for_box(box(c, u - 0.5f * trunk_w, v_base - trunk_h - crown, u + 0.5f * trunk_w, v_base), [&](int x, int y) {
    c.put(x, y, WorldClass::Tree, bark(look, c.u(x), c.v(y)));
  });
  const float vc = v_base - trunk_h - 0.9f * crown;
  for_box(box(c, u - 1.3f * crown, vc - 1.4f * crown, u + 1.3f * crown, vc + 1.3f * crown), [&](int x, int y) {
    const float du = (c.u(x) - u) / crown, dv = (c.v(y) - vc) / (1.1f * crown);
    const float ragged = 0.78f + 0.4f * fbm(look.seed + 17, du * 2.5f, dv * 2.5f, 3);  // clumps scale with the crown
    if (du * du + dv * dv > ragged * ragged) return;
    const float light = 1.1f - 0.25f * clamp01(0.5f + 0.5f * dv);
    c.put(x, y, WorldClass::Tree, shade(look, c.u(x), c.v(y), 0.5f) * light);
  });
}

void paint_crop(Canvas& c, const ClassLook& look, WorldRng& rng) {
  const float aspect = c.aspect();
  switch (look.cls) {
    case WorldClass::House: {  // a wall seen close up under the roof's edge
      const float eave = rng.uniform(0.15f, 0.35f);
      for (int y = 0; y < c.h; ++y)
        for (int x = 0; x < c.w; ++x)
          c.put(x, y, WorldClass::House,
                c.v(y) < eave ? roof_tiles(look, c.u(x), c.v(y)) : shade(look, c.u(x), c.v(y), 0.5f));
      paint_openings(c, rng, 0.05f * aspect, 0.95f * aspect, eave, 1.0f);
      return;
    }
    case WorldClass::Tree: {  // a crown filling the frame, the trunk below it
      const float trunk_u = rng.uniform(0.35f, 0.65f) * aspect, trunk_w = rng.uniform(0.1f, 0.2f);
      const float crown_end = rng.uniform(0.7f, 0.85f);
      for (int y = 0; y < c.h; ++y)
        for (int x = 0; x < c.w; ++x) {
          const bool trunk = c.v(y) > crown_end && c.u(x) > trunk_u - 0.5f * trunk_w && c.u(x) < trunk_u + 0.5f * trunk_w;
          c.put(x, y, WorldClass::Tree, trunk ? bark(look, c.u(x), c.v(y)) : shade(look, c.u(x), c.v(y), 0.5f));
        }
      return;
    }
    case WorldClass::Sun: {  // the bright disc's surface, hottest at a random centre
      const float cu = rng.uniform(0.3f, 0.7f) * aspect, cv = rng.uniform(0.3f, 0.7f);
      for (int y = 0; y < c.h; ++y)
        for (int x = 0; x < c.w; ++x) {
          const float du = c.u(x) - cu, dv = c.v(y) - cv;
          c.put(x, y, WorldClass::Sun, shade(look, c.u(x), c.v(y), clamp01(std::sqrt(du * du + dv * dv) * 1.2f)));
        }
      return;
    }
    case WorldClass::Road: {  // asphalt from above with a dashed centre line
      const float centre = rng.uniform(0.35f, 0.65f) * aspect;
      for (int y = 0; y < c.h; ++y)
        for (int x = 0; x < c.w; ++x) {
          const bool line = std::abs(c.u(x) - centre) < 0.015f && triangle(c.v(y) * 3.0f) > 0.45f;
          c.put(x, y, WorldClass::Road, line ? look.c1 : shade(look, c.u(x), c.v(y), 0.5f));
        }
      return;
    }
    default:
      for (int y = 0; y < c.h; ++y)
        for (int x = 0; x < c.w; ++x) c.put(x, y, look.cls, shade(look, c.u(x), c.v(y), c.v(y)));
  }
}

}  // namespace palette::training
