// Painting the procedural world: a canvas of colours and classes, horizontal bands (sky, mountains,
// forest, water, ground) separated by per-column edges, and the objects drawn over them (lake, road,
// boulders, houses, trees, sun, moon). Positions are in picture heights: (u, v) = (x, y) / height.
// Thread safety: a Canvas belongs to one thread; the painters keep no state.
#pragma once

#include <cstdint>
#include <vector>

#include "training/world_textures.h"

namespace palette::training {

struct Canvas {
  Canvas(int width, int height);

  int w, h;
  std::vector<float> rgb;        // 3·w·h, row-major
  std::vector<uint8_t> classes;  // w·h WorldClass values

  float u(int x) const { return (static_cast<float>(x) + 0.5f) / static_cast<float>(h); }
  float v(int y) const { return (static_cast<float>(y) + 0.5f) / static_cast<float>(h); }
  float aspect() const { return static_cast<float>(w) / static_cast<float>(h); }
  WorldClass at(int x, int y) const { return static_cast<WorldClass>(classes[static_cast<size_t>(y) * w + x]); }
  void put(int x, int y, WorldClass c, Rgb col);
};

bool is_sky(WorldClass c);
bool is_ground(WorldClass c);  // grass, sand, snow, rock: what objects stand on

// One horizontal band: its look and its lower edge per column (v units); the band above ends where
// this one starts. The last band's edge is ignored (it reaches the bottom).
struct Band {
  ClassLook look;
  std::vector<float> bottom;
};

// Edges: a level line with noise of amplitude `wobble` (0 = straight); a mountain ridge whose peaks
// rise `height` above `base`; a tree line (bumpy, `height` of the crowns).
std::vector<float> level_edge(const Canvas& c, float level, float wobble, float frequency, uint64_t seed);
std::vector<float> ridge_edge(const Canvas& c, float base, float height, float frequency, uint64_t seed);
std::vector<float> treeline_edge(const Canvas& c, float level, float height, uint64_t seed);

// Fills the canvas with `bands`, top to bottom (edges are made monotonic first).
void paint_bands(Canvas& c, std::vector<Band>& bands);

// Mountain pixels above a ragged snow line at `level` become snow.
void paint_snow_caps(Canvas& c, const ClassLook& snow, float level, uint64_t seed);

// A disc (sun or moon) of radius r at (u, v), drawn only over sky.
void paint_disc(Canvas& c, const ClassLook& look, float u, float v, float r);

// A lake: a ragged ellipse over ground pixels.
void paint_lake(Canvas& c, const ClassLook& look, float u, float v, float ru, float rv);

// A road from the bottom (centre u_bottom, half-width half_width) to a vanishing point (u_far, v_far),
// over ground pixels, with a dashed centre line.
void paint_road(Canvas& c, const ClassLook& look, float u_bottom, float half_width, float u_far, float v_far,
                float bend);

// A boulder resting on v_base; ru, rv its radii.
void paint_boulder(Canvas& c, const ClassLook& look, float u, float v_base, float ru, float rv);

// A house whose wall stands on v_base: wall, gable roof, door, windows. `width` in picture heights.
void paint_house(Canvas& c, const ClassLook& look, WorldRng& rng, float u, float v_base, float width);

// A tree standing on v_base: trunk and a ragged crown of radius `crown`.
void paint_tree(Canvas& c, const ClassLook& look, float u, float v_base, float crown);

// Single-class crops: the whole canvas is `look`'s class, drawn close up.
void paint_crop(Canvas& c, const ClassLook& look, WorldRng& rng);

}  // namespace palette::training
