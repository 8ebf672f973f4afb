#include "example_layouts.h"

#include <algorithm>
#include <cmath>

#include "document_test_util.h"
#include "palette/world.h"

namespace palette::test {

namespace {

LayerId layer(Document& doc, const std::string& name, const std::string& color, const std::string& prompt,
              double prompt_strength = 1.0, double mask_blur = 0.0) {
  LayerProperties p = layer_properties(name, color, prompt);
  p.prompt_strength = prompt_strength;
  p.mask_blur = mask_blur;
  return doc.add_layer(p);
}

void stroke(Document& doc, LayerId id, const Brush& brush,
            std::initializer_list<std::pair<double, double>> points) {
  doc.begin_stroke(id, brush);
  for (const auto& [x, y] : points) doc.stroke_to(x, y);
  doc.end_stroke();
}

void common(Document& doc, const std::string& background, const std::string& negative, bool builtin) {
  Background bg;
  bg.prompt = background;
  bg.negative_prompt = negative;
  doc.set_background(bg);
  GenerationSettings s;
  s.sampler = Sampler::lcm;
  s.steps = 5;
  s.guidance = builtin ? kBuiltInModelGuidance : 1.0;
  s.bootstrap_steps = builtin ? kBuiltInModelBootstrapSteps : 1;
  s.seed = 2024;
  doc.set_settings(s);
}

// The Stable Diffusion examples' negative prompt (unused at guidance 1, there for users who raise it).
const std::string kSdNegative = "blurry, low quality, watermark";

// ---- Shapes of the built-in model's world (src/training/world_paint.cpp), in canvas pixels ----

constexpr int kSide = 512;

// A periodic triangle wave in [0, 1].
double triangle(double t) {
  return 1.0 - std::abs(2.0 * (t - std::floor(t)) - 1.0);
}

// The canvas's top edge, where the skies start.
double canvas_top(int) {
  return 0.0;
}

// The rows [top(x), bottom(x)) of every column.
template <typename Top, typename Bottom>
void band(Document& doc, LayerId id, Top top, Bottom bottom) {
  doc.set_mask_from_image(
      id, gray_image(kSide, kSide, [&](int x, int y) { return y >= top(x) && y < bottom(x) ? 255 : 0; }));
}

// A mountain ridge over `base`, `height` pixels at its highest: peaks with straight slopes of two sizes and
// a ragged crest.
double ridge(int x, double base, double height, double phase) {
  const double massif = 0.6 * triangle(x / 310.0 + phase) + 0.4 * triangle(x / 140.0 + 2.3 * phase);
  const double detail = 0.6 * triangle(x / 47.0 + 3.1 * phase) + 0.4 * triangle(x / 19.0 + 1.7 * phase);
  return base - height * (0.12 + 0.76 * massif + 0.12 * detail);
}

// The top of a forest seen from afar: a row of pointed crowns on a gently rolling line.
double treeline(int x, double level, double height) {
  const double crowns = triangle(x / 11.4 + 0.25 * std::sin(x / 29.0));
  return level - height * (0.5 * crowns + 0.25 + 0.25 * std::sin(x / 53.0 + 1.0));
}

// A tree as the world draws one: a trunk under a round crown of radius `crown`, standing at `base`.
void tree(Document& doc, LayerId id, double x, double base, double crown) {
  const double trunk = std::max(4.0, 0.28 * crown), centre = base - 1.8 * crown;
  stroke(doc, id, {.diameter = trunk, .hardness = 0.9}, {{x, base - 0.5 * trunk}, {x, centre}});
  stroke(doc, id, {.diameter = 2.0 * crown, .hardness = 0.85},
         {{x, centre - 0.1 * crown}, {x, centre + 0.1 * crown}});
}

// A house as the world draws one: a wall `width` wide standing at `base` under a gable roof.
struct House {
  double x, base, width;
  bool contains(int px, int py) const {
    const double wall = 0.6 * width, roof = 0.42 * width, overhang = 0.06 * width, eave = base - wall;
    if (py >= eave && py < base) return std::abs(px - x) <= 0.5 * width;
    if (py < eave && py >= eave - roof)
      return std::abs(px - x) <= (0.5 * width + overhang) * (1.0 - (eave - py) / roof);
    return false;
  }
};

// A boulder as the world draws one: a rounded lump `rx` by `ry` resting on `base`.
struct Boulder {
  double x, base, rx, ry;
  bool contains(int px, int py) const {
    const double dx = (px - x) / rx, dy = (py - (base - 0.8 * ry)) / ry;
    const double ragged = 0.92 + 0.08 * std::sin(5.0 * std::atan2(dy, dx) + x);  // a lumpy outline
    return py <= base && dx * dx + dy * dy <= ragged * ragged;
  }
};

template <typename Shape>
void shapes(Document& doc, LayerId id, std::initializer_list<Shape> list) {
  const std::vector<Shape> all(list);
  doc.set_mask_from_image(id, gray_image(kSide, kSide, [&](int x, int y) {
                            for (const Shape& shape : all)
                              if (shape.contains(x, y)) return 255;
                            return 0;
                          }));
}

// A sun or moon: one dab.
void disc(Document& doc, LayerId id, double x, double y, double radius) {
  stroke(doc, id, {.diameter = 2.0 * radius, .hardness = 0.95}, {{x, y}});
}

// ---- Examples for the built-in default model: every layer prompt is one of its world's classes ----

// A mountain lake: mountains behind a forest, a meadow with a lake, trees in front.
Document landscape() {
  Document doc(kSide, kSide);
  common(doc, "trees on grass under a clear sky, with mountains, a forest and a lake", "", true);
  const LayerId sky = layer(doc, "sky", "#8ec5f0", "clear sky");
  const LayerId mountains = layer(doc, "mountains", "#7a7f96", "mountain");
  const LayerId forest = layer(doc, "forest", "#2e5e36", "forest");
  const LayerId meadow = layer(doc, "meadow", "#86c255", "grass");
  const LayerId lake = layer(doc, "lake", "#2f7fc4", "lake");
  const LayerId trees = layer(doc, "trees", "#1f7a3a", "tree");
  const auto ridge_top = [](int x) { return ridge(x, 290, 184, 0.1); };
  const auto forest_top = [](int x) { return treeline(x, 292, 26); };
  band(doc, sky, canvas_top, ridge_top);
  band(doc, mountains, ridge_top, forest_top);
  band(doc, forest, forest_top, [](int x) { return 326 + 4 * std::sin(x / 47.0); });
  // The meadow is whatever the canvas still shows as background below the forest.
  doc.flood_fill(meadow, 10, 505, {.region = FillRegion::Canvas});
  doc.set_mask_from_image(lake, gray_image(kSide, kSide, [](int x, int y) {
                            const double dx = (x - 280) / 165.0, dy = (y - 390) / 40.0;
                            const double ragged = 0.95 + 0.06 * std::sin(x / 23.0) * std::cos(y / 13.0);
                            return dx * dx + dy * dy <= ragged * ragged ? 255 : 0;
                          }));
  tree(doc, trees, 60, 500, 32);
  tree(doc, trees, 128, 474, 22);
  tree(doc, trees, 458, 492, 28);
  return doc;
}

// A coast: the sea under a clear sky with the sun, a sandy beach with two rocks.
Document coast() {
  Document doc(kSide, kSide);
  common(doc, "a clear sky above the sea above sand above rocks, with the sun", "", true);
  const LayerId sky = layer(doc, "sky", "#8ec5f0", "clear sky");
  const LayerId sea = layer(doc, "sea", "#1f5fa8", "sea");
  const LayerId beach = layer(doc, "beach", "#e8d3a0", "sand");
  const LayerId rocks = layer(doc, "rocks", "#6e6a64", "rock");
  const LayerId sun = layer(doc, "sun", "#ffd23f", "sun");
  const auto horizon = [](int) { return 230.0; };
  band(doc, sky, canvas_top, horizon);
  band(doc, sea, horizon, [](int x) { return 362 + 12 * std::sin(x / 45.0 + 0.7) + 5 * std::sin(x / 17.0); });
  doc.flood_fill(beach, 10, 505, {.region = FillRegion::Canvas});
  shapes<Boulder>(doc, rocks, {{118, 466, 54, 34}, {402, 420, 32, 21}});
  disc(doc, sun, 360, 105, 36);
  return doc;
}

// A village: two houses and trees on fields by a road, a forest on the horizon.
Document village() {
  Document doc(kSide, kSide);
  common(doc, "two houses and trees on grass under a clear sky, with a forest and a road", "", true);
  const LayerId sky = layer(doc, "sky", "#8ec5f0", "clear sky");
  const LayerId forest = layer(doc, "forest", "#2e5e36", "forest");
  const LayerId fields = layer(doc, "fields", "#86c255", "grass");
  const LayerId road = layer(doc, "road", "#8a8580", "road");
  const LayerId trees = layer(doc, "trees", "#1f7a3a", "tree");
  const LayerId homes = layer(doc, "houses", "#c0504d", "house");
  const auto forest_top = [](int x) { return treeline(x, 252, 30); };
  band(doc, sky, canvas_top, forest_top);
  band(doc, forest, forest_top, [](int x) { return 285 + 4 * std::sin(x / 50.0); });
  doc.flood_fill(fields, 10, 505, {.region = FillRegion::Canvas});
  // From the horizon, widening towards the viewer, with a bend.
  doc.set_mask_from_image(road, gray_image(kSide, kSide, [](int x, int y) {
                            const double far = 288, s = (y - far) / (kSide - far);
                            if (s < 0) return 0;
                            const double centre = 300 - 100 * s + 128 * s * (1 - s), half = 2 + 80 * s;
                            return std::abs(x - centre) <= half ? 255 : 0;
                          }));
  tree(doc, trees, 190, 340, 16);
  tree(doc, trees, 470, 330, 18);
  tree(doc, trees, 62, 495, 30);
  shapes<House>(doc, homes, {{110, 390, 96}, {420, 470, 120}});
  return doc;
}

// A winter scene: a house and trees in the snow under a cloudy sky, snowy mountains, the moon.
Document winter() {
  Document doc(kSide, kSide);
  common(doc, "a house and trees on snow under a cloudy sky, with mountains and the moon", "", true);
  const LayerId sky = layer(doc, "sky", "#b4bcc8", "cloudy sky");
  const LayerId moon = layer(doc, "moon", "#f2efd8", "moon");
  const LayerId mountains = layer(doc, "mountains", "#6a6f86", "mountain");
  const LayerId snow = layer(doc, "snow", "#f4f8fc", "snow");
  const LayerId home = layer(doc, "house", "#a0522d", "house");
  const LayerId trees = layer(doc, "trees", "#2a6b45", "tree");
  const auto ridge_top = [](int x) { return ridge(x, 272, 150, 0.35); };
  const auto ground = [](int x) { return 270 + 7 * std::sin(x / 60.0 + 0.3) + 3 * std::sin(x / 23.0); };
  band(doc, sky, canvas_top, ridge_top);
  band(doc, mountains, ridge_top, ground);
  // The snowfield, and the caps of the mountains above the snow line.
  doc.set_mask_from_image(snow, gray_image(kSide, kSide, [&](int x, int y) {
                            const double line =
                                190 + 10 * std::sin(x / 29.0) + 6 * std::sin(x / 11.0 + y / 9.0);
                            return y >= ground(x) || (y >= ridge_top(x) && y < line) ? 255 : 0;
                          }));
  disc(doc, moon, 105, 62, 30);
  shapes<House>(doc, home, {{330, 420, 104}});
  tree(doc, trees, 170, 400, 20);
  tree(doc, trees, 100, 452, 28);
  tree(doc, trees, 460, 472, 30);
  return doc;
}

// ---- Examples for Stable Diffusion 1.5-class models ----

Document sd15_landscape() {
  Document doc(512, 512);
  common(doc, "a wide mountain landscape at golden hour, highly detailed", kSdNegative, false);
  const LayerId sky = layer(doc, "sky", "#87ceeb", "a clear evening sky with soft pink clouds");
  const LayerId mountains = layer(doc, "mountains", "#6b5b95", "snow-capped mountains", 1.0, 4);
  const LayerId lake = layer(doc, "lake", "#1e90ff", "a calm lake reflecting the mountains");
  const LayerId meadow = layer(doc, "meadow", "#7cc242", "a green meadow with wild flowers", 0.9);
  const LayerId trees = layer(doc, "trees", "#1f6b2a", "dark pine trees");
  doc.set_mask_from_image(sky, gray_image(512, 512, [](int, int y) { return y < 230 ? 255 : 0; }));
  // A ridge line of two sine waves; the mountains reach down to the lake.
  doc.set_mask_from_image(mountains, gray_image(512, 512, [](int x, int y) {
                            const double ridge =
                                190 - 70 * std::abs(std::sin(x / 95.0)) - 25 * std::sin(x / 23.0);
                            return y >= ridge && y < 320 ? 255 : 0;
                          }));
  stroke(doc, lake, {.diameter = 90, .hardness = 0.9}, {{200, 370}, {420, 375}});
  // The meadow is whatever the canvas still shows as background below the lake's line.
  doc.flood_fill(meadow, 20, 500, {.region = FillRegion::Canvas});
  stroke(doc, trees, {.diameter = 34, .hardness = 0.8}, {{60, 420}, {62, 300}});
  stroke(doc, trees, {.diameter = 30, .hardness = 0.8}, {{110, 430}, {112, 320}});
  stroke(doc, trees, {.diameter = 26, .hardness = 0.8}, {{150, 440}, {150, 345}});
  return doc;
}

Document sd15_portrait() {
  Document doc(512, 512);
  common(doc, "a studio portrait photograph, soft window light, plain grey backdrop", kSdNegative, false);
  const LayerId hair = layer(doc, "hair", "#4b2e1e", "long wavy chestnut hair");
  const LayerId face = layer(doc, "face", "#f1c27d", "a smiling young woman's face, freckles", 1.0, 2);
  const LayerId eyes = layer(doc, "eyes", "#3b7dd8", "bright blue eyes", 0.8);
  const LayerId shirt = layer(doc, "shirt", "#2f4f4f", "a dark green knitted sweater");
  stroke(doc, hair, {.diameter = 250, .hardness = 0.7}, {{256, 200}, {256, 300}});
  stroke(doc, face, {.diameter = 160, .hardness = 0.85}, {{256, 210}, {256, 265}});
  stroke(doc, eyes, {.diameter = 22, .hardness = 0.9}, {{226, 225}});
  stroke(doc, eyes, {.diameter = 22, .hardness = 0.9}, {{286, 225}});
  stroke(doc, shirt, {.diameter = 170, .hardness = 0.9}, {{110, 480}, {402, 480}});
  return doc;
}

Document sd15_still_life() {
  Document doc(512, 512);
  common(doc, "a still life oil painting on a dark background, chiaroscuro", kSdNegative, false);
  const LayerId table = layer(doc, "table", "#8b4513", "a rough wooden table");
  const LayerId vase = layer(doc, "vase", "#b0c4de", "a tall blue porcelain vase");
  const LayerId flowers = layer(doc, "flowers", "#ff69b4", "pink peonies", 1.0, 3);
  const LayerId bowl = layer(doc, "bowl", "#daa520", "a brass bowl");
  const LayerId apples = layer(doc, "apples", "#dc143c", "shiny red apples");
  doc.set_mask_from_image(table, gray_image(512, 512, [](int, int y) { return y >= 360 ? 255 : 0; }));
  stroke(doc, vase, {.diameter = 80, .hardness = 0.9}, {{170, 190}, {170, 300}});
  stroke(doc, vase, {.diameter = 120, .hardness = 0.9}, {{170, 320}});
  stroke(doc, flowers, {.diameter = 60, .hardness = 0.5}, {{140, 150}, {200, 135}, {165, 105}});
  stroke(doc, bowl, {.diameter = 70, .hardness = 0.9}, {{330, 385}, {430, 385}});
  stroke(doc, apples, {.diameter = 56, .hardness = 0.85}, {{345, 345}});
  stroke(doc, apples, {.diameter = 52, .hardness = 0.85}, {{400, 348}});
  stroke(doc, apples, {.diameter = 48, .hardness = 0.85}, {{372, 318}});
  return doc;
}

}  // namespace

std::vector<ExampleLayout> example_layouts() {
  std::vector<ExampleLayout> out;
  out.push_back({"landscape", ExampleModel::BuiltIn, landscape()});
  out.push_back({"coast", ExampleModel::BuiltIn, coast()});
  out.push_back({"village", ExampleModel::BuiltIn, village()});
  out.push_back({"winter", ExampleModel::BuiltIn, winter()});
  out.push_back({"sd15-landscape", ExampleModel::Sd15, sd15_landscape()});
  out.push_back({"sd15-portrait", ExampleModel::Sd15, sd15_portrait()});
  out.push_back({"sd15-still-life", ExampleModel::Sd15, sd15_still_life()});
  return out;
}

}  // namespace palette::test
