// The procedural world the built-in default model is trained on: pictures of a small landscape world
// (skies, sea, lakes, sand, grass, forests, mountains, snow, rocks, roads, houses, trees, sun and moon),
// each with a per-pixel class map and a caption that names every class in it. Made by code, from a
// seed alone: the same (seed, index, options) give the same sample with any compiler.
//
//   palette::WorldOptions options;                                 // 256 × 256, scenes and crops
//   palette::WorldSample s = palette::make_world_sample(7, 0, options);
//   palette::write_png("scene.png", s.image);
//   std::cout << s.caption << "\n";                               // "a house on grass under a cloudy sky"
//   palette::write_png("classes.png", palette::world_class_map_image(s));
//
// Failures: palette::Error naming the field for a bad size or fraction; write_world_dataset also
// names the file it could not write.
// Thread safety: every function is pure (no shared state); samples may be made on many threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "palette/image.h"

namespace palette {

enum class WorldClass : uint8_t {
  ClearSky, CloudySky, SunsetSky, Sea, Lake, Sand, Grass, Forest,
  Mountain, Snow, Rock, Road, House, Tree, Sun, Moon,
};
constexpr int kWorldClassCount = 16;

const std::string& world_class_name(WorldClass c);              // "clear sky", "sea", … (the crops' captions)
std::optional<WorldClass> world_class_from_name(std::string_view name);  // inverse of world_class_name

// The sampling the built-in model follows painted regions best with, which its example layouts and
// `palette eval-default` use: a little classifier-free guidance, and no bootstrapping (its white
// background is a picture the model never saw). Chosen on layouts of another seed than the evaluation's
// (scripts/gpu/eval-sweep.sh; bench/default-model/sampling-sweep/).
constexpr double kBuiltInModelGuidance = 1.25;
constexpr int kBuiltInModelBootstrapSteps = 0;
std::array<uint8_t, 3> world_class_color(WorldClass c);         // a display colour for class maps and masks

// What a sample shows. Crop: one class filling the whole frame, captioned with its name alone.
enum class WorldScene : uint8_t { Crop, Coast, Countryside, MountainLake, Winter, Desert, Road };
constexpr int kWorldSceneCount = 7;
const std::string& world_scene_name(WorldScene scene);  // "crop", "coast", …
std::optional<WorldScene> world_scene_from_name(std::string_view name);  // inverse of world_scene_name

// Odds of each composed scene, indexed by WorldScene (the crop entry is not used: crop_fraction decides crops).
using SceneWeights = std::array<float, kWorldSceneCount>;
constexpr SceneWeights kEqualSceneWeights = {1, 1, 1, 1, 1, 1, 1};
// "winter=3,road=2": the named composed scenes' weights, the others' 1. Throws palette::Error naming an
// unknown scene (and listing the known ones), a malformed entry or a weight outside [0, 100], or all zero.
SceneWeights parse_scene_weights(std::string_view text);

// Plain: one canonical caption per picture, naming each class by world_class_name ("a house and a tree on
// grass under a cloudy sky"). Varied: what training sees — each class in one of many phrasings (synonyms,
// adjectives, plurals), several sentence forms and word orders, sometimes prompt boilerplate ("8k").
enum class CaptionStyle : uint8_t { Plain, Varied };

struct WorldOptions {
  int width = 256;              // pixels, 16 … 4096
  int height = 256;             // pixels, 16 … 4096
  float crop_fraction = 0.4f;   // [0, 1]: share of single-class crops when `scene` is unset
  std::optional<WorldScene> scene;      // force one kind of sample
  std::optional<WorldClass> crop_class;  // with scene = Crop: force the class
  CaptionStyle captions = CaptionStyle::Plain;
  // > 0: the sample is a view × view window of the width × height picture (the world seen at a larger
  // scale), placed at random or, half the time, around a house, tree, sun or moon; its class map and
  // caption are the window's. 16 … min(width, height).
  int view = 0;
  // When `scene` is unset and the sample is not a crop: the odds of each composed scene. Equal weights (the
  // default) draw as the world always has, so a seed's samples stay what they were; each in [0, 100], not all 0.
  SceneWeights scene_weights = kEqualSceneWeights;
};

struct WorldSample {
  Image image;                   // width × height RGB8
  std::vector<uint8_t> classes;  // width × height WorldClass values, row-major
  std::string caption;           // names every class present (crops: the class name alone)
  WorldScene scene = WorldScene::Crop;
};

// Throws palette::Error naming the field of an option out of range.
void validate_world_options(const WorldOptions& options);

// Sample number `index` of the world with this `seed` (each index is independent of the others).
WorldSample make_world_sample(uint64_t seed, uint64_t index, const WorldOptions& options = {});

// The class map in world_class_color()s, width × height RGB8.
Image world_class_map_image(const WorldSample& sample);

// Pixels of each class in `sample`.
std::array<int64_t, kWorldClassCount> world_class_counts(const WorldSample& sample);

// Writes samples [0, count) to `folder` (created if needed): NNNNN.png, NNNNN.classes.png and one line
// of JSON per sample in captions.jsonl ({"index", "file", "caption", "scene", "classes"}). Returns the
// files' count. Throws palette::Error naming the folder or file.
int write_world_dataset(const std::filesystem::path& folder, uint64_t seed, int count, const WorldOptions& options);

}  // namespace palette
