// Palette and layout files: a hand-written file read field by field, load → save → load equality with
// unknown keys kept in place, palettes without masks and atomic saves (pictures: png_layout_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "document/base64.h"
#include "document_test_util.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using Json = nlohmann::ordered_json;

std::string png_data_uri(const test::TempDir& dir, const Image& image) {
  write_png(dir / "tmp.png", image);
  const std::string bytes = test::read_raw(dir / "tmp.png");
  return "data:image/png;base64," +
         document::base64_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// The sun's mask: a disc of radius 10 around (20, 20). The tree's: the lower half, 200.
Image sun_mask() {
  return test::gray_image(
      64, 64, [](int x, int y) { return (x - 20) * (x - 20) + (y - 20) * (y - 20) < 100 ? 255 : 0; });
}
Image tree_mask() {
  return test::gray_image(64, 64, [](int, int y) { return y >= 32 ? 200 : 0; });
}

// A layout as a person would write it: a mask beside the file and one inside it, unknown keys at
// every level, an upper-case colour, optional fields left out.
Json hand_written_layout(const test::TempDir& dir) {
  write_png(dir / "sun.png", sun_mask());
  Json j = Json::parse(R"({
    "format": "semantic-palette", "version": 1, "kind": "layout",
    "canvas": {"width": 64, "height": 64, "dpi": 300},
    "settings": {"model": "tiny-sd15", "sampler": "lcm", "steps": 4, "guidance": 1.5, "bootstrap_steps": 0, "seed": 42,
                 "shift": [1, 2]},
    "background": {"prompt": "a meadow", "negative_prompt": "blurry", "image": null, "tint": "#ffffff"},
    "layers": [
      {"name": "sun", "color": "#FFCC00", "prompt": "the sun", "negative_prompt": "clouds",
       "prompt_strength": 0.75, "mask_strength": 0.5, "mask_blur": 2.5, "enabled": false,
       "mask": "sun.png", "locked": true},
      {"name": "tree", "color": "#228b22", "prompt": "a tree", "mask": "TREE"}
    ],
    "app": {"zoom": 2.0, "panels": ["layers"]}
  })");
  j["layers"][1]["mask"] = png_data_uri(dir, tree_mask());
  return j;
}

TEST(DocumentFile, ReadsEveryField) {
  test::TempDir dir;
  test::write_raw(dir / "a.json", hand_written_layout(dir).dump(2));
  const LoadedDocument f = load_document(dir / "a.json");
  EXPECT_EQ(f.kind, DocumentKind::Layout);
  const DocumentContent& c = f.document.content();
  EXPECT_EQ(c.width, 64);
  EXPECT_EQ(c.height, 64);
  EXPECT_EQ(c.settings.model, "tiny-sd15");
  EXPECT_EQ(c.settings.sampler, Sampler::lcm);
  EXPECT_EQ(c.settings.steps, 4);
  EXPECT_EQ(c.settings.guidance, 1.5);
  EXPECT_EQ(c.settings.bootstrap_steps, 0);
  EXPECT_EQ(c.settings.seed, 42u);
  EXPECT_EQ(c.background.prompt, "a meadow");
  EXPECT_EQ(c.background.negative_prompt, "blurry");
  EXPECT_EQ(c.background.image, nullptr);
  ASSERT_EQ(c.layers.size(), 2u);
  const LayerProperties& sun = c.layers[0].properties;
  EXPECT_EQ(sun.name, "sun");
  EXPECT_EQ(sun.color, (Color{0xff, 0xcc, 0x00}));
  EXPECT_EQ(sun.prompt, "the sun");
  EXPECT_EQ(sun.negative_prompt, "clouds");
  EXPECT_EQ(sun.prompt_strength, 0.75);
  EXPECT_EQ(sun.mask_strength, 0.5);
  EXPECT_EQ(sun.mask_blur, 2.5);
  EXPECT_FALSE(sun.enabled);
  EXPECT_EQ(c.layers[0].mask.to_image().pixels, sun_mask().pixels);
  const LayerProperties& tree = c.layers[1].properties;  // the defaults
  EXPECT_EQ(tree.negative_prompt, "");
  EXPECT_EQ(tree.prompt_strength, 1.0);
  EXPECT_EQ(tree.mask_strength, 1.0);
  EXPECT_EQ(tree.mask_blur, 0.0);
  EXPECT_TRUE(tree.enabled);
  EXPECT_EQ(c.layers[1].mask.to_image().pixels, tree_mask().pixels);
  EXPECT_EQ(c.extras.canvas, Json::parse(R"({"dpi": 300})"));
  EXPECT_EQ(c.settings.extra, Json::parse(R"({"shift": [1, 2]})"));
  EXPECT_EQ(c.background.extra, Json::parse(R"({"tint": "#ffffff"})"));
  EXPECT_EQ(sun.extra, Json::parse(R"({"locked": true})"));
  EXPECT_EQ(c.extras.top, Json::parse(R"({"app": {"zoom": 2.0, "panels": ["layers"]}})"));
}

TEST(DocumentFile, LoadSaveLoadKeepsEverything) {
  test::TempDir dir;
  test::write_raw(dir / "a.json", hand_written_layout(dir).dump(2));
  const LoadedDocument first = load_document(dir / "a.json");
  save_document(first.document, dir / "b.json", DocumentKind::Layout);
  const LoadedDocument second = load_document(dir / "b.json");
  EXPECT_EQ(second.kind, DocumentKind::Layout);
  EXPECT_TRUE(same_content(first.document.content(), second.document.content()));
  // Unknown keys are written back where they were, after the known ones.
  const Json saved = Json::parse(test::read_raw(dir / "b.json"));
  EXPECT_EQ(saved.at("canvas").at("dpi"), 300);
  EXPECT_EQ(saved.at("settings").at("shift"), Json::parse("[1, 2]"));
  EXPECT_EQ(saved.at("background").at("tint"), "#ffffff");
  EXPECT_EQ(saved.at("layers")[0].at("locked"), true);
  EXPECT_EQ(saved.at("app").at("zoom"), 2.0);
  EXPECT_EQ(saved.begin().key(), "format");
  EXPECT_EQ(saved.at("layers")[0].at("color"), "#ffcc00");
  EXPECT_EQ(saved.at("layers")[0].at("mask").get<std::string>().rfind("data:image/png;base64,", 0), 0u);
  // Saving again gives the same bytes.
  save_document(second.document, dir / "c.json", DocumentKind::Layout);
  EXPECT_EQ(test::read_raw(dir / "b.json"), test::read_raw(dir / "c.json"));
}

TEST(DocumentFile, EditedDocumentRoundTrips) {
  Document doc(128, 64);
  const LayerId a = doc.add_layer(test::layer_properties("ünïcode ✓", "#010203", "a café \"quoted\"\n"));
  doc.add_layer(test::layer_properties("empty"));
  doc.begin_stroke(a, {.diameter = 30, .hardness = 0.3});
  doc.stroke_to(10, 10);
  doc.stroke_to(120, 50);
  doc.end_stroke();
  Background bg;
  bg.prompt = "sky";
  bg.image = std::make_shared<const Image>(
      Image{3, 2, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}});
  doc.set_background(bg);
  GenerationSettings s;
  s.guidance = 0.1 + 0.2;  // not exactly representable: the text must keep every bit
  s.seed = 18446744073709551615ull;
  s.bootstrap_steps = 0;
  doc.set_settings(s);
  const std::string text = serialize_document(doc.content(), DocumentKind::Layout);
  const LoadedDocument back = parse_document(text, "mem");
  EXPECT_TRUE(same_content(doc.content(), back.document.content()));
  EXPECT_EQ(back.document.content().settings.guidance, 0.1 + 0.2);
  EXPECT_EQ(*back.document.content().settings.seed, 18446744073709551615ull);
  EXPECT_EQ(back.document.content().settings.bootstrap_steps, 0);
}

TEST(DocumentFile, PaletteLeavesOutPixels) {
  test::TempDir dir;
  test::write_raw(dir / "a.json", hand_written_layout(dir).dump());
  const LoadedDocument layout = load_document(dir / "a.json");
  save_document(layout.document, dir / "p.json", DocumentKind::Palette);
  const Json saved = Json::parse(test::read_raw(dir / "p.json"));
  EXPECT_EQ(saved.at("kind"), "palette");
  EXPECT_FALSE(saved.at("layers")[0].contains("mask"));
  EXPECT_FALSE(saved.at("background").contains("image"));
  const LoadedDocument palette = load_document(dir / "p.json");
  EXPECT_EQ(palette.kind, DocumentKind::Palette);
  ASSERT_EQ(palette.document.layers().size(), 2u);
  EXPECT_TRUE(palette.document.layers()[0].mask.empty());
  EXPECT_EQ(palette.document.layers()[0].mask.width(), 64);
  EXPECT_TRUE(palette.document.layers()[0].properties == layout.document.layers()[0].properties);
}

TEST(DocumentFile, SaveIsAtomicAndNamesTheFile) {
  test::TempDir dir;
  Document doc(64, 64);
  save_document(doc, dir / "a.json", DocumentKind::Layout);
  const std::string before = test::read_raw(dir / "a.json");
  try {
    save_document(doc, dir / "missing" / "a.json", DocumentKind::Layout);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/a.json"), std::string::npos) << e.what();
  }
  EXPECT_EQ(test::read_raw(dir / "a.json"), before);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(DocumentFile, SiblingMasksMustStayBesideTheFile) {
  test::TempDir dir;
  Json j = hand_written_layout(dir);
  for (const std::string name : {"../sun.png", "/etc/sun.png"}) {
    j["layers"][0]["mask"] = name;
    test::write_raw(dir / "a.json", j.dump());
    try {
      load_document(dir / "a.json");
      FAIL() << "no error for " << name;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("layers[0].mask: '" + name + "'"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace palette
