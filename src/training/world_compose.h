// Scene compositions of the procedural world (coast, countryside, mountain lake, winter, desert, road)
// and their captions.
// Thread safety: pure functions of their arguments.
#pragma once

#include <array>
#include <string>

#include "training/world_paint.h"

namespace palette::training {

// Objects whose number the caption mentions.
struct SceneObjects {
  int houses = 0;
  int trees = 0;
};

// Paints a scene of kind `scene` (not Crop) on `canvas`.
SceneObjects compose_scene(Canvas& canvas, WorldScene scene, WorldRng& rng);

// A caption naming every class with pixels in `counts` (each by its world_class_name, possibly in the
// plural), in one of a few sentence forms picked by `rng`.
std::string scene_caption(const std::array<int64_t, kWorldClassCount>& counts, const SceneObjects& objects,
                          WorldRng& rng);

}  // namespace palette::training
