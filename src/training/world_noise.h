// The procedural world's randomness: a SplitMix64 generator and hash-based value noise / fBm.
// Everything is integer hashing plus +, ×, floor on floats (no libm transcendental functions, no
// std:: distributions), so a seed gives the same pictures with any compiler and standard library.
// Thread safety: pure functions; a WorldRng belongs to one thread.
#pragma once

#include <cmath>
#include <cstdint>

namespace palette::training {

// SplitMix64's finaliser: a good 64-bit mixing function.
inline uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class WorldRng {
 public:
  explicit WorldRng(uint64_t seed) : state_(mix64(seed)) {}
  uint64_t next() { return mix64(state_ += 0x9e3779b97f4a7c15ull); }
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }  // [0, 1)
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }  // [0, n), n > 0
  bool chance(float p) { return uniform() < p; }
  uint64_t seed_for(uint64_t salt) { return mix64(next() ^ mix64(salt)); }  // an independent stream

 private:
  uint64_t state_;
};

// A lattice value in [0, 1) for integer point (x, y) of noise field `seed`.
inline float lattice(uint64_t seed, int64_t x, int64_t y) {
  const uint64_t h = mix64(seed ^ mix64(static_cast<uint64_t>(x) * 0x632be59bd9b4e019ull +
                                        static_cast<uint64_t>(y) * 0x85157af5ull));
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
}

inline float smooth01(float t) { return t * t * (3.0f - 2.0f * t); }
inline float lerpf(float a, float b, float t) { return a + (b - a) * t; }
inline float clamp01(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }
// 0 below `lo`, 1 above `hi`, smooth in between.
inline float smoothstep(float lo, float hi, float v) { return smooth01(clamp01((v - lo) / (hi - lo))); }

// Bilinear value noise with smoothstep fade, in [0, 1).
inline float value_noise(uint64_t seed, float x, float y) {
  const float fx = std::floor(x), fy = std::floor(y);
  const auto ix = static_cast<int64_t>(fx), iy = static_cast<int64_t>(fy);
  const float tx = smooth01(x - fx), ty = smooth01(y - fy);
  const float top = lerpf(lattice(seed, ix, iy), lattice(seed, ix + 1, iy), tx);
  const float bottom = lerpf(lattice(seed, ix, iy + 1), lattice(seed, ix + 1, iy + 1), tx);
  return lerpf(top, bottom, ty);
}

// Fractal sum of `octaves` value-noise layers (each twice the frequency, half the amplitude),
// normalised to [0, 1).
inline float fbm(uint64_t seed, float x, float y, int octaves) {
  float sum = 0.0f, amplitude = 1.0f, total = 0.0f;
  for (int i = 0; i < octaves; ++i) {
    sum += amplitude * value_noise(seed + static_cast<uint64_t>(i) * 0x9e37ull, x, y);
    total += amplitude;
    amplitude *= 0.5f;
    x *= 2.0f;
    y *= 2.0f;
  }
  return sum / total;
}

// Ridged fBm: sharp crests where the noise crosses its middle (cracks, mountain ridges), in [0, 1].
inline float ridged(uint64_t seed, float x, float y, int octaves) {
  const float n = fbm(seed, x, y, octaves);
  const float d = n < 0.5f ? 0.5f - n : n - 0.5f;
  return 1.0f - 2.0f * d;
}

// A triangle wave with period 1 in [0, 1]: a cheap, libm-free stand-in for a sine.
inline float triangle(float t) {
  const float f = t - std::floor(t);
  return f < 0.5f ? 2.0f * f : 2.0f - 2.0f * f;
}

}  // namespace palette::training
