// The look of each class of the procedural world: a palette drawn with per-picture variation and a
// texture made of value noise, evaluated per pixel. Coordinates are (u, v) in picture heights, so a
// texture keeps its scale at any resolution.
// Thread safety: pure functions of their arguments.
#pragma once

#include <cstdint>

#include "palette/world.h"
#include "training/world_noise.h"

namespace palette::training {

struct Rgb {
  float r = 0, g = 0, b = 0;
};
inline Rgb mix(Rgb a, Rgb b, float t) { return {lerpf(a.r, b.r, t), lerpf(a.g, b.g, t), lerpf(a.b, b.b, t)}; }
inline Rgb operator*(Rgb a, float s) { return {a.r * s, a.g * s, a.b * s}; }

// One class's appearance in one picture.
struct ClassLook {
  WorldClass cls = WorldClass::ClearSky;
  Rgb c0, c1, c2;      // the class's colours (main, second, accent), after variation
  uint64_t seed = 0;   // its noise fields
  float scale = 1.0f;  // texture frequency multiplier
  float amount = 0.5f;  // class-specific: cloud cover, ripple strength, …
  // Sky only: a sun whose glow brightens the sky around it (radius 0 = none).
  float sun_u = 0, sun_v = 0, sun_radius = 0;
};

// A look for class `c` with colours and texture varied by `rng`.
ClassLook make_look(WorldClass c, WorldRng& rng);

// The class's material at (u, v); `t` in [0, 1] is the pixel's relative height inside its region
// (0 = top), for gradients such as a sky brightening towards the horizon. Components in about [0, 1].
Rgb shade(const ClassLook& look, float u, float v, float t);

}  // namespace palette::training
