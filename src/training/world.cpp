#include "palette/world.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <nlohmann/json.hpp>

#include "base/atomic_write.h"
#include "palette/error.h"
#include "training/world_captions.h"
#include "training/world_compose.h"

namespace palette {

namespace {

struct ClassInfo {
  const char* name;
  std::array<uint8_t, 3> color;
};

const std::array<ClassInfo, kWorldClassCount>& class_table() {
  static const std::array<ClassInfo, kWorldClassCount> table = {{
      {"clear sky", {110, 170, 240}}, {"cloudy sky", {160, 170, 185}}, {"sunset sky", {240, 140, 90}},
      {"sea", {20, 60, 150}},         {"lake", {40, 130, 130}},        {"sand", {230, 205, 140}},
      {"grass", {100, 190, 60}},      {"forest", {20, 90, 40}},        {"mountain", {120, 100, 130}},
      {"snow", {245, 250, 255}},      {"rock", {140, 130, 120}},       {"road", {60, 60, 65}},
      {"house", {200, 60, 40}},       {"tree", {60, 150, 30}},         {"sun", {255, 225, 60}},
      {"moon", {200, 200, 190}},
  }};
  return table;
}

const std::array<std::string, kWorldSceneCount>& scene_names() {
  static const std::array<std::string, kWorldSceneCount> names = {"crop",   "coast",  "countryside", "mountain-lake",
                                                                  "winter", "desert", "road"};
  return names;
}

WorldScene pick_scene(const WorldOptions& options, training::WorldRng& rng) {
  if (options.scene) return *options.scene;
  if (rng.uniform() < options.crop_fraction) return WorldScene::Crop;
  const auto& w = options.scene_weights;
  if (std::all_of(w.begin() + 1, w.end(), [&](float x) { return x == w[1]; }))
    return static_cast<WorldScene>(1 + rng.below(kWorldSceneCount - 1));  // the world's draw since its start
  double left = rng.uniform() * std::accumulate(w.begin() + 1, w.end(), 0.0);
  int last = 1;
  for (int s = 1; s < kWorldSceneCount; ++s) {
    if (w[s] <= 0) continue;
    last = s;
    left -= w[s];
    if (left < 0) return static_cast<WorldScene>(s);
  }
  return static_cast<WorldScene>(last);  // rounding at the very top
}

// The composed scenes' weights in range and not all zero (the crop entry is not used); throws palette::Error.
void check_scene_weights(const SceneWeights& w) {
  for (int s = 1; s < kWorldSceneCount; ++s)
    if (!(w[s] >= 0.0f && w[s] <= 100.0f))
      throw Error("world scene weight of " + scene_names()[s] + " " + std::to_string(w[s]) + " must be in [0, 100]");
  if (std::all_of(w.begin() + 1, w.end(), [](float x) { return x == 0.0f; }))
    throw Error("world scene weights are all 0: at least one scene must be drawn");
}

uint8_t to_byte(float v) { return static_cast<uint8_t>(training::clamp01(v) * 255.0f + 0.5f); }

}  // namespace

const std::string& world_class_name(WorldClass c) {
  static const std::array<std::string, kWorldClassCount> names = [] {
    std::array<std::string, kWorldClassCount> n;
    for (int i = 0; i < kWorldClassCount; ++i) n[i] = class_table()[i].name;
    return n;
  }();
  return names.at(static_cast<size_t>(c));
}

std::optional<WorldClass> world_class_from_name(std::string_view name) {
  for (int i = 0; i < kWorldClassCount; ++i)
    if (name == class_table()[i].name) return static_cast<WorldClass>(i);
  return std::nullopt;
}

std::array<uint8_t, 3> world_class_color(WorldClass c) { return class_table().at(static_cast<size_t>(c)).color; }

const std::string& world_scene_name(WorldScene scene) { return scene_names().at(static_cast<size_t>(scene)); }

std::optional<WorldScene> world_scene_from_name(std::string_view name) {
  for (int s = 0; s < kWorldSceneCount; ++s)
    if (name == scene_names()[s]) return static_cast<WorldScene>(s);
  return std::nullopt;
}

SceneWeights parse_scene_weights(std::string_view text) {
  std::string known;
  for (int s = 1; s < kWorldSceneCount; ++s) known += (s > 1 ? ", " : "") + scene_names()[s];
  SceneWeights weights = kEqualSceneWeights;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string_view entry = text.substr(start, end - start);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos)
      throw Error("scene weight '" + std::string(entry) + "' must be NAME=WEIGHT (scenes: " + known + ")");
    const std::string name(entry.substr(0, eq)), number(entry.substr(eq + 1));
    const std::optional<WorldScene> scene = world_scene_from_name(name);
    if (!scene || *scene == WorldScene::Crop)
      throw Error("unknown scene '" + name + "' in the scene weights (scenes: " + known + ")");
    char* parsed_end = nullptr;
    const float value = std::strtof(number.c_str(), &parsed_end);
    if (number.empty() || parsed_end != number.c_str() + number.size())
      throw Error("scene weight of " + name + " '" + number + "' must be a number in [0, 100]");
    weights[static_cast<size_t>(*scene)] = value;
    start = end + 1;
  }
  check_scene_weights(weights);
  return weights;
}

void validate_world_options(const WorldOptions& o) {
  if (o.width < 16 || o.width > 4096) throw Error("world width " + std::to_string(o.width) + " must be in [16, 4096]");
  if (o.height < 16 || o.height > 4096)
    throw Error("world height " + std::to_string(o.height) + " must be in [16, 4096]");
  if (!(o.crop_fraction >= 0.0f && o.crop_fraction <= 1.0f))
    throw Error("world crop_fraction " + std::to_string(o.crop_fraction) + " must be in [0, 1]");
  check_scene_weights(o.scene_weights);
  if (o.crop_class && (!o.scene || *o.scene != WorldScene::Crop))
    throw Error("world crop_class needs scene = crop");
  if (o.view != 0 && (o.view < 16 || o.view > std::min(o.width, o.height)))
    throw Error("world view " + std::to_string(o.view) + " must be 0 or in [16, " +
                std::to_string(std::min(o.width, o.height)) + "]");
}

namespace {

bool is_small_object(uint8_t c) {
  const auto k = static_cast<WorldClass>(c);
  return k == WorldClass::House || k == WorldClass::Tree || k == WorldClass::Sun || k == WorldClass::Moon;
}

// Cuts the view × view window out of `sample`: at random, or (half the time, when there is one) centred on
// a random pixel of a house, tree, sun or moon, the classes small in a whole picture.
void cut_view(WorldSample& sample, int view, training::WorldRng& rng) {
  const int w = sample.image.width, h = sample.image.height;
  int x0 = rng.below(w - view + 1), y0 = rng.below(h - view + 1);
  if (rng.chance(0.5f)) {
    std::vector<int> small;
    for (int i = 0; i < w * h; i += 7)  // a sparse scan is enough to find one
      if (is_small_object(sample.classes[static_cast<size_t>(i)])) small.push_back(i);
    if (!small.empty()) {
      const int at = small[static_cast<size_t>(rng.below(static_cast<int>(small.size())))];
      x0 = std::clamp(at % w - view / 2, 0, w - view);
      y0 = std::clamp(at / w - view / 2, 0, h - view);
    }
  }
  Image image{view, view, 3, std::vector<uint8_t>(static_cast<size_t>(view) * view * 3)};
  std::vector<uint8_t> classes(static_cast<size_t>(view) * view);
  for (int y = 0; y < view; ++y) {
    const size_t src = static_cast<size_t>(y0 + y) * w + x0;
    std::copy_n(&sample.image.pixels[src * 3], static_cast<size_t>(view) * 3, &image.pixels[static_cast<size_t>(y) * view * 3]);
    std::copy_n(&sample.classes[src], static_cast<size_t>(view), &classes[static_cast<size_t>(y) * view]);
  }
  sample.image = std::move(image);
  sample.classes = std::move(classes);
}

}  // namespace

WorldSample make_world_sample(uint64_t seed, uint64_t index, const WorldOptions& options) {
  validate_world_options(options);
  training::WorldRng rng(training::mix64(seed) ^ training::mix64(index + 0x5eedull));
  training::Canvas canvas(options.width, options.height);
  WorldSample sample;
  sample.scene = pick_scene(options, rng);
  training::SceneObjects objects;
  WorldClass crop_class = WorldClass::ClearSky;
  if (sample.scene == WorldScene::Crop) {
    crop_class = options.crop_class ? *options.crop_class : static_cast<WorldClass>(rng.below(kWorldClassCount));
    training::paint_crop(canvas, training::make_look(crop_class, rng), rng);
    sample.caption = world_class_name(crop_class);
  } else {
    objects = training::compose_scene(canvas, sample.scene, rng);
  }
  sample.image.width = options.width;
  sample.image.height = options.height;
  sample.image.channels = 3;
  sample.image.pixels.resize(canvas.rgb.size());
  for (size_t i = 0; i < canvas.rgb.size(); ++i) sample.image.pixels[i] = to_byte(canvas.rgb[i]);
  sample.classes = std::move(canvas.classes);
  // Views and varied captions draw from a stream of their own, so plain samples stay what they were.
  training::WorldRng extra(training::mix64(seed ^ 0x7a11ull) ^ training::mix64(index + 0xca9ull));
  if (options.view > 0) cut_view(sample, options.view, extra);
  const bool varied = options.captions == CaptionStyle::Varied;
  if (sample.scene == WorldScene::Crop) {
    if (varied) sample.caption = training::varied_crop_caption(crop_class, extra);
  } else {
    const auto counts = world_class_counts(sample);
    sample.caption = varied ? training::varied_scene_caption(counts, objects, extra)
                            : training::scene_caption(counts, objects, rng);
  }
  return sample;
}

Image world_class_map_image(const WorldSample& sample) {
  Image image{sample.image.width, sample.image.height, 3, std::vector<uint8_t>(sample.classes.size() * 3)};
  for (size_t i = 0; i < sample.classes.size(); ++i) {
    const auto color = world_class_color(static_cast<WorldClass>(sample.classes[i]));
    for (int k = 0; k < 3; ++k) image.pixels[3 * i + k] = color[k];
  }
  return image;
}

std::array<int64_t, kWorldClassCount> world_class_counts(const WorldSample& sample) {
  std::array<int64_t, kWorldClassCount> counts{};
  for (uint8_t c : sample.classes) ++counts.at(c);
  return counts;
}

int write_world_dataset(const std::filesystem::path& folder, uint64_t seed, int count, const WorldOptions& options) {
  validate_world_options(options);
  if (count < 1) throw Error("dataset count " + std::to_string(count) + " must be at least 1");
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw Error("'" + folder.string() + "': cannot create the dataset folder: " + ec.message());
  std::string lines;
  for (int i = 0; i < count; ++i) {
    const WorldSample s = make_world_sample(seed, static_cast<uint64_t>(i), options);
    char stem[32];
    std::snprintf(stem, sizeof stem, "%05d", i);
    write_png(folder / (std::string(stem) + ".png"), s.image, {{"caption", s.caption}});
    write_png(folder / (std::string(stem) + ".classes.png"), world_class_map_image(s));
    nlohmann::json classes = nlohmann::json::array();
    const auto counts = world_class_counts(s);
    for (int c = 0; c < kWorldClassCount; ++c)
      if (counts[c] > 0) classes.push_back(world_class_name(static_cast<WorldClass>(c)));
    lines += nlohmann::json{{"index", i},
                            {"file", std::string(stem) + ".png"},
                            {"caption", s.caption},
                            {"scene", world_scene_name(s.scene)},
                            {"classes", classes}}
                 .dump() +
             "\n";
  }
  const auto captions = folder / "captions.jsonl";
  write_file_atomically(captions, [&](std::FILE* out) { write_bytes(out, lines.data(), lines.size(), captions); });
  return 2 * count + 1;
}

}  // namespace palette
