// Pictures that carry their layout (export_png): A1111 infotext in "parameters", the layout in a
// compressed "semantic-palette" iTXt chunk that load_document reads back, and one clear message for a
// PNG without the chunk, with a broken one or with one from a newer version.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "document_test_util.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/version.h"
#include "support/error_of.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using Json = nlohmann::ordered_json;

// Two painted layers (one disabled), one left empty, a background prompt with a comma.
Document painted_document() {
  Document doc(64, 64);
  const LayerId sky = doc.add_layer(test::layer_properties("sky", "#4080ff", "blue sky"));
  doc.set_mask_from_image(sky, test::gray_image(64, 64, [](int, int y) { return y < 32 ? 255 : 0; }));
  LayerProperties sea = test::layer_properties("sea", "#2050c0", "a calm sea");
  sea.negative_prompt = "waves";
  const LayerId sea_id = doc.add_layer(sea);
  doc.set_mask_from_image(sea_id, test::gray_image(64, 64, [](int, int y) { return y >= 32 ? 200 : 0; }));
  LayerProperties off = test::layer_properties("boat", "#ffffff", "a boat");
  off.enabled = false;
  const LayerId boat = doc.add_layer(off);
  doc.set_mask_from_image(boat, test::gray_image(64, 64, [](int x, int) { return x < 8 ? 255 : 0; }));
  doc.add_layer(test::layer_properties("empty", "#000000", "nothing"));
  Background background;
  background.prompt = "a quiet bay, evening";
  background.negative_prompt = "blurry";
  doc.set_background(background);
  GenerationSettings settings;
  settings.steps = 4;
  doc.set_settings(settings);
  return doc;
}

const Image kRender{64, 64, 3, std::vector<uint8_t>(64 * 64 * 3, 90)};

TEST(PngLayout, ExportWritesInfotextAndTheLayout) {
  test::TempDir dir;
  const Document doc = painted_document();
  export_png(dir / "out.png", kRender, doc.content(), {.seed = 1234, .model = "/models/tiny-sd15"});
  EXPECT_EQ(read_image(dir / "out.png").pixels, kRender.pixels);
  const auto text = read_png_text(dir / "out.png");
  // The prompts of the rendered layers (enabled, painted) after the background's, as the Regional
  // Prompter writes regions; a value with a comma is quoted as A1111 quotes it.
  EXPECT_EQ(text.at("parameters"),
            "a quiet bay, evening BREAK blue sky BREAK a calm sea\n"
            "Negative prompt: blurry\n"
            "Steps: 4, Sampler: LCM, CFG scale: 1, Seed: 1234, Size: 64x64, Model: tiny-sd15, Schedule: lcm, Bootstrap steps: 1, "
            "Regions: 2, Version: Semantic Palette " +
                version());
  const Json layout = Json::parse(text.at(kLayoutPngKeyword));
  EXPECT_EQ(layout.at("kind"), "layout");
  EXPECT_EQ(layout.at("settings").at("seed"), 1234);
  EXPECT_EQ(layout.at("settings").at("model"), "/models/tiny-sd15");
  EXPECT_FALSE(layout.contains("render_size"));
  ASSERT_EQ(layout.at("layers").size(), 4u);
  EXPECT_TRUE(layout.at("layers")[0].at("mask").get<std::string>().rfind("data:image/png;base64,", 0) == 0);
}

TEST(PngLayout, APictureReopensAsItsLayout) {
  test::TempDir dir;
  Document doc = painted_document();
  Background background = doc.content().background;
  background.image = std::make_shared<const Image>(Image{32, 16, 3, std::vector<uint8_t>(32 * 16 * 3, 77)});
  doc.set_background(background);
  const Image wide{128, 64, 3, std::vector<uint8_t>(128 * 64 * 3, 10)};
  export_png(dir / "out.png", wide, doc.content(), {.seed = 77});
  EXPECT_TRUE(png_carries_layout(dir / "out.png"));
  const LoadedDocument back = load_document(dir / "out.png");
  EXPECT_TRUE(back.from_picture);
  EXPECT_EQ(back.kind, DocumentKind::Layout);
  // Everything as it was, masks and background picture included; the seed is the one that ran, and
  // the size it was rendered at is kept for rendering it again.
  DocumentContent expected = doc.content();
  expected.settings.seed = 77;
  expected.extras.top["render_size"] = {{"width", 128}, {"height", 64}};
  EXPECT_TRUE(same_content(back.document.content(), expected));
  const auto text = read_png_text(dir / "out.png");
  EXPECT_NE(text.at("parameters").find("Size: 128x64"), std::string::npos);
  EXPECT_NE(text.at("parameters").find("Background image: 32x16"), std::string::npos);
}

// The built-in model stays "" in the layout so the picture reopens with whichever model is built in.
TEST(PngLayout, TheBuiltInModelIsNotRecordedAsAPath) {
  test::TempDir dir;
  export_png(dir / "out.png", kRender, painted_document().content(),
             {.seed = 1, .model = "/opt/palette/assets/default-model", .builtin_model = true});
  const auto text = read_png_text(dir / "out.png");
  EXPECT_EQ(Json::parse(text.at(kLayoutPngKeyword)).at("settings").at("model"), "");
  EXPECT_NE(text.at("parameters").find("Model: default-model"), std::string::npos);
}

using test::error_of;

TEST(PngLayout, APngWithoutTheChunkIsNamed) {
  test::TempDir dir;
  write_png(dir / "photo.png", kRender, {{"parameters", "a photo\nSteps: 20, Sampler: Euler a, Seed: 1"}});
  EXPECT_FALSE(png_carries_layout(dir / "photo.png"));
  const std::string message = error_of([&] { load_document(dir / "photo.png"); });
  EXPECT_EQ(message.rfind("'" + (dir / "photo.png").string() +
                              "' carries no Semantic Palette layout (no 'semantic-palette' chunk): ",
                          0),
            0u)
      << message;
}

TEST(PngLayout, ABrokenChunkIsNamed) {
  test::TempDir dir;
  write_png(dir / "broken.png", kRender, {{kLayoutPngKeyword, "{\"format\": \"semantic-palette\", ", true}});
  const std::string message = error_of([&] { load_document(dir / "broken.png"); });
  EXPECT_EQ(message.rfind("'" + (dir / "broken.png").string() + "' chunk 'semantic-palette': ", 0), 0u)
      << message;
  // Valid JSON that is not a layout: the field is named.
  write_png(dir / "other.png", kRender, {{kLayoutPngKeyword, "{\"format\": \"something else\"}"}});
  const std::string other = error_of([&] { load_document(dir / "other.png"); });
  EXPECT_NE(other.find("chunk 'semantic-palette': format: "), std::string::npos) << other;
  EXPECT_NE(other.find("(not a Semantic Palette file)"), std::string::npos) << other;
}

TEST(PngLayout, AChunkFromANewerVersionIsNamed) {
  test::TempDir dir;
  Json layout = Json::parse(serialize_document(painted_document().content(), DocumentKind::Layout));
  layout["version"] = kDocumentFormatVersion + 1;
  write_png(dir / "future.png", kRender, {{kLayoutPngKeyword, layout.dump(), true}});
  const std::string message = error_of([&] { load_document(dir / "future.png"); });
  EXPECT_NE(message.find("chunk 'semantic-palette': version: " + std::to_string(kDocumentFormatVersion + 1) +
                         " is newer than this program reads"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace palette
