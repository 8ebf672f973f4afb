#include "example_layouts.h"

#include <cmath>

#include "document_test_util.h"

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

void common(Document& doc, const std::string& background) {
  Background bg;
  bg.prompt = background;
  bg.negative_prompt = "blurry, low quality, watermark";
  doc.set_background(bg);
  GenerationSettings s;
  s.sampler = "lcm";
  s.steps = 5;
  s.guidance = 1.0;
  s.seed = 2024;
  doc.set_settings(s);
}

Document landscape() {
  Document doc(512, 512);
  common(doc, "a wide mountain landscape at golden hour, highly detailed");
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

Document portrait() {
  Document doc(512, 512);
  common(doc, "a studio portrait photograph, soft window light, plain grey backdrop");
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

Document still_life() {
  Document doc(512, 512);
  common(doc, "a still life oil painting on a dark background, chiaroscuro");
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
  out.push_back({"landscape", landscape()});
  out.push_back({"portrait", portrait()});
  out.push_back({"still-life", still_life()});
  return out;
}

}  // namespace palette::test
