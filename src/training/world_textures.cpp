#include "training/world_textures.h"

namespace palette::training {

namespace {

// A colour moved by a shared brightness factor and a small per-channel jitter.
Rgb vary(Rgb c, float brightness, WorldRng& rng, float jitter) {
  return {clamp01(c.r * brightness + rng.uniform(-jitter, jitter)),
          clamp01(c.g * brightness + rng.uniform(-jitter, jitter)),
          clamp01(c.b * brightness + rng.uniform(-jitter, jitter))};
}

struct BasePalette {
  Rgb c0, c1, c2;
};

// Alternatives per class: one is picked per picture, then varied. Chosen so that classes stay apart
// in mean colour and texture (the evaluation's classifier depends on it).
BasePalette base_palette(WorldClass c, WorldRng& rng) {
  const bool alt = rng.chance(0.5f);
  switch (c) {
    case WorldClass::ClearSky:  // zenith, horizon, haze
      return {{0.16f, 0.40f, 0.84f}, {0.56f, 0.76f, 0.96f}, {0.80f, 0.88f, 0.98f}};
    case WorldClass::CloudySky:  // grey-blue base, cloud white, cloud shadow
      return {{0.48f, 0.54f, 0.63f}, {0.86f, 0.87f, 0.89f}, {0.60f, 0.62f, 0.66f}};
    case WorldClass::SunsetSky:  // purple top, pink middle, orange horizon
      return {{0.30f, 0.16f, 0.42f}, {0.88f, 0.38f, 0.40f}, {1.00f, 0.66f, 0.26f}};
    case WorldClass::Sea:  // deep, near the horizon, foam
      return {{0.03f, 0.18f, 0.42f}, {0.12f, 0.32f, 0.54f}, {0.82f, 0.90f, 0.95f}};
    case WorldClass::Lake:  // teal, reflection, dark
      return {{0.12f, 0.34f, 0.30f}, {0.30f, 0.48f, 0.44f}, {0.06f, 0.20f, 0.18f}};
    case WorldClass::Sand:
      return {{0.88f, 0.77f, 0.54f}, {0.76f, 0.64f, 0.42f}, {0.95f, 0.88f, 0.70f}};
    case WorldClass::Grass:
      return alt ? BasePalette{{0.36f, 0.62f, 0.18f}, {0.54f, 0.68f, 0.20f}, {0.20f, 0.42f, 0.10f}}
                 : BasePalette{{0.30f, 0.58f, 0.22f}, {0.46f, 0.66f, 0.24f}, {0.16f, 0.38f, 0.12f}};
    case WorldClass::Forest:  // canopy, shadow, highlight
      return {{0.10f, 0.30f, 0.14f}, {0.03f, 0.11f, 0.06f}, {0.20f, 0.42f, 0.18f}};
    case WorldClass::Mountain:  // rock face, dark streaks, aerial haze
      return alt ? BasePalette{{0.46f, 0.42f, 0.52f}, {0.26f, 0.24f, 0.32f}, {0.62f, 0.66f, 0.78f}}
                 : BasePalette{{0.48f, 0.40f, 0.36f}, {0.28f, 0.22f, 0.20f}, {0.64f, 0.64f, 0.72f}};
    case WorldClass::Snow:  // lit, shadow, sparkle
      return {{0.95f, 0.96f, 0.99f}, {0.70f, 0.78f, 0.92f}, {1.00f, 1.00f, 1.00f}};
    case WorldClass::Rock:  // stone, crack, lichen
      return {{0.55f, 0.52f, 0.48f}, {0.22f, 0.20f, 0.19f}, {0.62f, 0.60f, 0.44f}};
    case WorldClass::Road:  // asphalt, centre line, worn
      return {{0.22f, 0.22f, 0.24f}, {0.96f, 0.84f, 0.22f}, {0.32f, 0.31f, 0.30f}};
    case WorldClass::House:  // wall, mortar, roof
      return alt ? BasePalette{{0.72f, 0.30f, 0.20f}, {0.84f, 0.78f, 0.70f}, {0.36f, 0.14f, 0.12f}}
                 : BasePalette{{0.80f, 0.50f, 0.30f}, {0.88f, 0.82f, 0.72f}, {0.30f, 0.20f, 0.18f}};
    case WorldClass::Tree:  // crown, highlight, trunk
      return {{0.24f, 0.50f, 0.14f}, {0.46f, 0.70f, 0.22f}, {0.38f, 0.23f, 0.12f}};
    case WorldClass::Sun:  // centre, rim, granulation
      return {{1.00f, 0.96f, 0.72f}, {1.00f, 0.74f, 0.22f}, {1.00f, 0.86f, 0.45f}};
    case WorldClass::Moon:  // mare-free surface, crater, rim light
      return {{0.84f, 0.85f, 0.82f}, {0.58f, 0.59f, 0.58f}, {0.95f, 0.95f, 0.92f}};
  }
  return {};
}

float shaded_noise(const ClassLook& l, uint64_t salt, float u, float v, int octaves) {
  return fbm(l.seed + salt, u, v, octaves);
}

Rgb shade_sky(const ClassLook& l, float u, float v, float t) {
  Rgb col;
  switch (l.cls) {
    case WorldClass::ClearSky: {
      col = mix(l.c0, l.c1, t);
      col = mix(col, l.c2, 0.25f * smoothstep(0.6f, 1.0f, t) * shaded_noise(l, 1, u * 2.0f, v * 6.0f, 3));
      break;
    }
    case WorldClass::CloudySky: {
      const float s = l.scale;
      const float n = shaded_noise(l, 1, u * 2.2f * s, v * 4.5f * s, 5);
      const float cover = smoothstep(0.62f - 0.25f * l.amount, 0.72f - 0.2f * l.amount, n);
      const float lit = shaded_noise(l, 2, u * 5.0f * s, v * 8.0f * s, 3);
      const Rgb cloud = mix(l.c2, l.c1, smoothstep(0.35f, 0.65f, lit));
      col = mix(mix(l.c0, l.c0 * 1.12f, t), cloud, cover);
      break;
    }
    default: {  // sunset
      col = t < 0.5f ? mix(l.c0, l.c1, 2.0f * t) : mix(l.c1, l.c2, 2.0f * t - 1.0f);
      const float streak = shaded_noise(l, 1, u * 1.2f * l.scale, v * 14.0f * l.scale, 4);
      col = mix(col, Rgb{0.42f, 0.18f, 0.34f}, 0.55f * l.amount * smoothstep(0.55f, 0.75f, streak));
      break;
    }
  }
  if (l.sun_radius > 0) {  // the glow of a sun in this sky
    const float du = u - l.sun_u, dv = v - l.sun_v;
    const float d = std::sqrt(du * du + dv * dv);
    const float glow = 1.0f - smoothstep(l.sun_radius, 5.0f * l.sun_radius, d);
    col = mix(col, Rgb{1.0f, 0.86f, 0.55f}, 0.55f * glow * glow);
  }
  return col;
}

Rgb shade_water(const ClassLook& l, float u, float v, float t) {
  const float s = l.scale;
  if (l.cls == WorldClass::Sea) {
    Rgb col = mix(l.c1, l.c0, smoothstep(0.0f, 0.7f, t));
    const float waves = shaded_noise(l, 1, u * 5.0f * s, v * (24.0f + 30.0f * (1.0f - t)) * s, 3);
    col = col * (0.78f + 0.44f * waves);
    const float foam = value_noise(l.seed + 2, u * 26.0f * s, v * 80.0f * s);
    return mix(col, l.c2, 0.7f * smoothstep(0.80f - 0.06f * l.amount, 0.92f, foam));
  }
  Rgb col = mix(l.c1, l.c0, smoothstep(0.0f, 0.35f, t));  // a lake: reflection near its far shore
  const float ripple = triangle(v * 70.0f * s + 4.0f * shaded_noise(l, 1, u * 3.0f, v * 3.0f, 2));
  col = col * (0.93f + 0.10f * l.amount * ripple);
  return mix(col, l.c2, 0.35f * smoothstep(0.55f, 0.8f, shaded_noise(l, 3, u * 4.0f * s, v * 12.0f * s, 3)));
}

Rgb shade_ground(const ClassLook& l, float u, float v, float t) {
  const float s = l.scale;
  switch (l.cls) {
    case WorldClass::Sand: {
      const float grain = value_noise(l.seed + 1, u * 140.0f * s, v * 140.0f * s) - 0.5f;
      const float ripple = triangle(v * 26.0f * s + 3.0f * shaded_noise(l, 2, u * 2.0f, v * 2.0f, 2));
      Rgb col = mix(l.c0, l.c2, 0.3f * shaded_noise(l, 3, u * 3.0f, v * 3.0f, 3));
      col = mix(col, l.c1, 0.35f * l.amount * ripple);
      return col * (1.0f + 0.12f * grain);
    }
    case WorldClass::Grass: {
      const float blades = shaded_noise(l, 1, u * 90.0f * s, v * 14.0f * s, 3);
      const float patches = shaded_noise(l, 2, u * 3.0f * s, v * 4.0f * s, 3);
      Rgb col = mix(l.c0, l.c1, smoothstep(0.45f, 0.75f, patches));
      col = mix(col, l.c2, 0.6f * smoothstep(0.55f, 0.8f, 1.0f - blades));
      return col * (0.85f + 0.3f * blades);
    }
    case WorldClass::Snow: {
      const float n = shaded_noise(l, 1, u * 4.0f * s, v * 6.0f * s, 4);
      Rgb col = mix(l.c1, l.c0, smoothstep(0.3f, 0.62f, n));
      const float sparkle = value_noise(l.seed + 2, u * 180.0f, v * 180.0f);
      return mix(col, l.c2, 0.5f * smoothstep(0.9f, 0.98f, sparkle));
    }
    case WorldClass::Rock: {
      const float cracks = ridged(l.seed + 1, u * 9.0f * s, v * 9.0f * s, 4);
      const float blotch = shaded_noise(l, 2, u * 4.0f * s, v * 4.0f * s, 3);
      Rgb col = mix(l.c0, l.c2, 0.4f * smoothstep(0.6f, 0.8f, blotch));
      col = col * (0.8f + 0.35f * blotch + 0.12f * (value_noise(l.seed + 3, u * 160.0f, v * 160.0f) - 0.5f));
      return mix(col, l.c1, 0.85f * smoothstep(0.88f, 0.97f, cracks));
    }
    case WorldClass::Road: {
      const float grit = value_noise(l.seed + 1, u * 220.0f, v * 220.0f) - 0.5f;
      const Rgb col = mix(l.c0, l.c2, 0.5f * smoothstep(0.5f, 0.8f, shaded_noise(l, 2, u * 3.0f, v * 6.0f, 3)));
      return col * (1.0f + 0.25f * grit);
    }
    default:
      break;
  }
  (void)t;
  return l.c0;
}

Rgb shade_vegetation(const ClassLook& l, float u, float v) {
  const float s = l.scale;
  if (l.cls == WorldClass::Forest) {  // many small crowns: dark gaps between bright blobs
    const float crowns = value_noise(l.seed + 1, u * 34.0f * s, v * 26.0f * s);
    const float detail = shaded_noise(l, 2, u * 60.0f * s, v * 60.0f * s, 3);
    Rgb col = mix(l.c1, l.c0, smoothstep(0.25f, 0.6f, 0.7f * crowns + 0.3f * detail));
    return mix(col, l.c2, 0.7f * smoothstep(0.72f, 0.9f, 0.6f * crowns + 0.4f * detail));
  }
  // a single tree's crown: large leaf clumps with highlights on top
  const float clumps = shaded_noise(l, 1, u * 16.0f * s, v * 16.0f * s, 4);
  const float leaves = value_noise(l.seed + 2, u * 70.0f * s, v * 70.0f * s);
  Rgb col = mix(l.c0 * 0.6f, l.c0, smoothstep(0.3f, 0.55f, clumps));
  return mix(col, l.c1, 0.8f * smoothstep(0.6f, 0.8f, 0.7f * clumps + 0.3f * leaves));
}

}  // namespace

ClassLook make_look(WorldClass c, WorldRng& rng) {
  ClassLook look;
  look.cls = c;
  const BasePalette p = base_palette(c, rng);
  const float brightness = rng.uniform(0.9f, 1.1f);
  look.c0 = vary(p.c0, brightness, rng, 0.035f);
  look.c1 = vary(p.c1, brightness, rng, 0.035f);
  look.c2 = vary(p.c2, brightness, rng, 0.035f);
  look.seed = rng.next();
  look.scale = rng.uniform(0.8f, 1.25f);
  look.amount = rng.uniform(0.0f, 1.0f);
  return look;
}

Rgb shade(const ClassLook& l, float u, float v, float t) {
  switch (l.cls) {
    case WorldClass::ClearSky:
    case WorldClass::CloudySky:
    case WorldClass::SunsetSky:
      return shade_sky(l, u, v, t);
    case WorldClass::Sea:
    case WorldClass::Lake:
      return shade_water(l, u, v, t);
    case WorldClass::Forest:
    case WorldClass::Tree:
      return shade_vegetation(l, u, v);
    case WorldClass::Mountain: {
      const float s = l.scale;
      const float r = ridged(l.seed + 1, u * 7.0f * s, v * 3.5f * s, 5);
      const Rgb col = mix(l.c1, l.c0, smoothstep(0.35f, 0.85f, r));
      return mix(col, l.c2, 0.35f * (1.0f - t));  // farther up, hazier
    }
    case WorldClass::House: {  // the wall material (brick courses); houses add roof, door and windows
      const float s = l.scale;
      const float row = v * 40.0f * s;
      const float course = row - std::floor(row);
      const float offset = (static_cast<int64_t>(std::floor(row)) & 1) ? 0.5f : 0.0f;
      const float brick = u * 20.0f * s + offset;
      const float joint = brick - std::floor(brick);
      const bool mortar = course < 0.14f || joint < 0.06f;
      const float tone = 0.9f + 0.2f * value_noise(l.seed + 1, std::floor(brick), std::floor(row));
      return mortar ? l.c1 : l.c0 * tone;
    }
    case WorldClass::Sun: {
      const float g = shaded_noise(l, 1, u * 30.0f, v * 30.0f, 3);
      return mix(l.c0, l.c1, t) * (0.94f + 0.1f * g);
    }
    case WorldClass::Moon: {
      const float craters = shaded_noise(l, 1, u * 9.0f * l.scale, v * 9.0f * l.scale, 4);
      const float small = value_noise(l.seed + 2, u * 40.0f, v * 40.0f);
      Rgb col = mix(l.c0, l.c1, 0.8f * smoothstep(0.58f, 0.7f, craters));
      col = mix(col, l.c1, 0.4f * smoothstep(0.75f, 0.9f, small));
      return mix(col, l.c2, 0.4f * (1.0f - t));
    }
    default:
      return shade_ground(l, u, v, t);
  }
}

}  // namespace palette::training
