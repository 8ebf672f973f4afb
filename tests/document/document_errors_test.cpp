// Broken and hostile files: each gives one error naming the file and the field, and the document
// the caller has open stays as it was.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "document/base64.h"
#include "document_test_util.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using Json = nlohmann::ordered_json;

std::string base64(const std::string& bytes) {
  return document::base64_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

std::string png_bytes(const Image& image) {
  test::TempDir dir;
  write_png(dir / "m.png", image);
  return test::read_raw(dir / "m.png");
}

// A valid 64 × 64 layout with two layers.
Json valid_layout() {
  const std::string mask =
      "data:image/png;base64," + base64(png_bytes(test::gray_image(64, 64, [](int x, int) { return x; })));
  Json j = Json::parse(R"({"format": "semantic-palette", "version": 1, "kind": "layout",
    "canvas": {"width": 64, "height": 64}, "settings": {"steps": 4, "seed": 1},
    "background": {"prompt": "meadow"},
    "layers": [{"name": "a", "color": "#102030", "prompt": "a"}, {"name": "b", "color": "#405060", "prompt": "b"}]})");
  for (auto& layer : j["layers"]) layer["mask"] = mask;
  return j;
}

std::string load_error(const std::string& text) {
  try {
    parse_document(text, "bad.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string load_error(const std::function<void(Json&)>& mutate) {
  Json j = valid_layout();
  mutate(j);
  return load_error(j.dump());
}

TEST(DocumentFileErrors, TheValidBaseLoads) {
  EXPECT_EQ(load_error([](Json&) {}), "(no error)");
}

TEST(DocumentFileErrors, NotOurFile) {
  EXPECT_EQ(load_error("{ \"format\": "),
            "'bad.json': not valid JSON: parse error at line 1, column 13: syntax error while "
            "parsing value - unexpected end of input; expected '[', '{', or a literal");
  EXPECT_EQ(load_error("[1, 2]"), "'bad.json': the file must be a JSON object, got an array");
  EXPECT_EQ(load_error([](Json& j) { j["format"] = "photoshop"; }),
            "'bad.json': format: the string \"photoshop\" is not \"semantic-palette\" (not a Semantic "
            "Palette file)");
  EXPECT_EQ(load_error([](Json& j) { j.erase("format"); }),
            "'bad.json': format: missing: not a Semantic Palette file");
  EXPECT_EQ(
      load_error(std::string("{\"format\": \"semantic-palette\xff\"}")).rfind("'bad.json': not valid JSON: ", 0),
      0u);
  EXPECT_EQ(load_error(std::string(100, '[') + std::string(100, ']')),
            "'bad.json': JSON nested deeper than 64 levels");
}

TEST(DocumentFileErrors, Versions) {
  EXPECT_EQ(
      load_error([](Json& j) { j["version"] = 2; }),
      "'bad.json': version: 2 is newer than this program reads (1): update Semantic Palette to open it");
  EXPECT_EQ(load_error([](Json& j) { j["version"] = 0; }), "'bad.json': version: 0 must be at least 1");
  EXPECT_EQ(load_error([](Json& j) { j["version"] = "1"; }),
            "'bad.json': version: must be a whole number, got the string \"1\"");
  EXPECT_EQ(load_error([](Json& j) { j.erase("version"); }), "'bad.json': version: missing (required)");
}

TEST(DocumentFileErrors, MissingFieldsAreNamed) {
  EXPECT_EQ(load_error([](Json& j) { j.erase("kind"); }), "'bad.json': kind: missing (required)");
  EXPECT_EQ(load_error([](Json& j) { j.erase("canvas"); }), "'bad.json': canvas: missing (required)");
  EXPECT_EQ(load_error([](Json& j) { j["canvas"].erase("height"); }),
            "'bad.json': canvas.height: missing (required)");
  EXPECT_EQ(load_error([](Json& j) { j.erase("layers"); }), "'bad.json': layers: missing (required)");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][1].erase("color"); }),
            "'bad.json': layers[1].color: missing (required)");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0].erase("prompt"); }),
            "'bad.json': layers[0].prompt: missing (required)");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][1].erase("mask"); }),
            "'bad.json': layers[1].mask: missing (a layout stores every layer's mask)");
}

TEST(DocumentFileErrors, WrongTypesAreNamed) {
  EXPECT_EQ(load_error([](Json& j) { j["kind"] = "poster"; }),
            "'bad.json': kind: the string \"poster\" must be \"palette\" or \"layout\"");
  EXPECT_EQ(load_error([](Json& j) { j["canvas"] = 512; }),
            "'bad.json': canvas must be a JSON object, got the number 512");
  EXPECT_EQ(load_error([](Json& j) { j["canvas"]["width"] = 64.5; }),
            "'bad.json': canvas.width: must be a whole number, got the number 64.5");
  EXPECT_EQ(load_error([](Json& j) { j["layers"] = Json::object(); }),
            "'bad.json': layers: must be an array, got an object");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][1] = 3; }),
            "'bad.json': layers[1] must be a JSON object, got the number 3");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0]["prompt_strength"] = "high"; }),
            "'bad.json': layers[0].prompt_strength: must be a number, got the string \"high\"");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0]["enabled"] = "yes"; }),
            "'bad.json': layers[0].enabled: must be true or false, got the string \"yes\"");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0]["name"] = nullptr; }),
            "'bad.json': layers[0].name: must be a string, got null");
  EXPECT_EQ(load_error([](Json& j) { j["settings"]["seed"] = -1; }),
            "'bad.json': settings.seed: must be a whole number in [0, 2^64 - 1] or null (random), got the "
            "number -1");
  EXPECT_EQ(load_error([](Json& j) { j["settings"]["guidance"] = Json::array(); }),
            "'bad.json': settings.guidance: must be a number, got an array");
  EXPECT_EQ(load_error([](Json& j) { j["background"]["image"] = 7; }),
            "'bad.json': background.image: must be a string, got the number 7");
}

TEST(DocumentFileErrors, ValuesOutOfRange) {
  EXPECT_EQ(load_error([](Json& j) { j["layers"][1]["color"] = "#12xz45"; }),
            "'bad.json': layers[1].color: \"#12xz45\" is not a colour (#rrggbb)");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0]["color"] = "red"; }),
            "'bad.json': layers[0].color: \"red\" is not a colour (#rrggbb)");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0]["prompt_strength"] = 1.5; }),
            "'bad.json': layers[0].prompt_strength 1.5 must be in [0, 1]");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0]["mask_blur"] = -2; }),
            "'bad.json': layers[0].mask_blur -2 must be in [0, 1024]");
  EXPECT_EQ(load_error([](Json& j) { j["canvas"]["width"] = 100; }),
            "'bad.json': canvas.width 100 is not a multiple of 8 (the VAE works on 8×8 pixel blocks)");
  EXPECT_EQ(load_error([](Json& j) { j["canvas"]["height"] = 99999999999; }),
            "'bad.json': canvas.height: 99999999999 is out of range");
  EXPECT_EQ(load_error([](Json& j) { j["canvas"]["height"] = 16392; }),
            "'bad.json': canvas.height 16392 is above the maximum of 16384");
  EXPECT_EQ(load_error([](Json& j) { j["settings"]["steps"] = 0; }),
            "'bad.json': settings.steps: 0 must be in [1, 1000]");
  EXPECT_EQ(load_error([](Json& j) { j["settings"]["guidance"] = 1e9; }),
            "'bad.json': settings.guidance 1e+09 must be in [0, 100]");
  EXPECT_EQ(load_error([](Json& j) { j["settings"]["bootstrap_steps"] = -1; }),
            "'bad.json': settings.bootstrap_steps: -1 must be in [0, 1000]");
  EXPECT_EQ(load_error([](Json& j) { j["settings"]["bootstrap_steps"] = 1.5; }),
            "'bad.json': settings.bootstrap_steps: must be a whole number, got the number 1.5");
}

TEST(DocumentFileErrors, BadMasks) {
  const auto mask_error = [](const std::string& value) {
    return load_error([&](Json& j) { j["layers"][1]["mask"] = value; });
  };
  const std::string small = png_bytes(test::gray_image(32, 32, [](int, int) { return 1; }));
  EXPECT_EQ(mask_error("data:image/png;base64," + base64(small)),
            "'bad.json': layers[1].mask: the image is 32×32, expected the canvas size 64×64");
  EXPECT_EQ(mask_error("data:image/png;base64,iVBO@@@@"),
            "'bad.json': layers[1].mask: invalid base64: '@' at offset 4");
  EXPECT_EQ(mask_error("data:image/png;base64," + base64("GIF89a not a png at all"))
                .rfind("'bad.json': layers[1].mask: not a PNG image", 0),
            0u);
  const std::string good = png_bytes(test::gray_image(64, 64, [](int x, int y) { return x * y; }));
  const std::string truncated =
      mask_error("data:image/png;base64," + base64(good.substr(0, good.size() / 2)));
  EXPECT_EQ(truncated, "'bad.json': layers[1].mask: truncated PNG image (a chunk runs past the end)");
  EXPECT_EQ(mask_error("data:image/jpeg;base64,AAAA"),
            "'bad.json': layers[1].mask: only PNG data URIs (data:image/png;base64,…) are supported");
  EXPECT_EQ(mask_error("nowhere.png").rfind("'bad.json': layers[1].mask: '", 0), 0u);
  EXPECT_EQ(load_error([](Json& j) {
              j["kind"] = "palette";
              j["layers"][0].erase("mask");
            }),
            "'bad.json': layers[1].mask: a palette stores no masks (use \"kind\": \"layout\")");
}

TEST(DocumentFileErrors, HostileSizes) {
  EXPECT_EQ(load_error([](Json& j) {
              const Json layer = j["layers"][0];
              for (int i = 0; i < 3000; ++i) j["layers"].push_back(layer);
            }),
            "'bad.json': layers: 3002 layers is above the limit of 256");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0]["prompt"] = std::string(70000, 'a'); }),
            "'bad.json': layers[0].prompt: 70000 bytes is above the limit of 65536");
  EXPECT_EQ(load_error([](Json& j) { j["layers"][0]["name"] = std::string(5000, 'n'); }),
            "'bad.json': layers[0].name: 5000 bytes is above the limit of 1024");
  EXPECT_EQ(
      load_error([](Json& j) {
        j["canvas"] = {{"width", 16384}, {"height", 16384}};
        for (int i = 0; i < 20; ++i) j["layers"].push_back(j["layers"][0]);
      }),
      "'bad.json': layers: 22 masks of 16384×16384 exceed the limit of 4294967296 mask pixels per file");
  // A 2 GB file is refused from its size, before a byte of it is read.
  test::TempDir dir;
  test::write_raw(dir / "huge.json", "{");
  std::filesystem::resize_file(dir / "huge.json", 2ull << 30);
  try {
    load_document(dir / "huge.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "'" + (dir / "huge.json").string() +
                  "': 2147483648 bytes is above the limit of 201326592 for a palette or layout file (192 MiB: a "
                  "64-megapixel photo background as PNG in base64 and room for the masks)");
  }
}

TEST(DocumentFileErrors, MissingFileIsNamed) {
  test::TempDir dir;
  try {
    load_document(dir / "none.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "'" + (dir / "none.json").string() + "': no such file");
  }
}

TEST(DocumentFileErrors, OpenDocumentIsUntouched) {
  test::TempDir dir;
  test::write_raw(dir / "good.json", valid_layout().dump());
  Json bad = valid_layout();
  bad["layers"][1]["color"] = "#nothex";
  test::write_raw(dir / "bad.json", bad.dump());
  LoadedDocument open = load_document(dir / "good.json");
  open.document.add_layer(test::layer_properties("unsaved work"));
  const auto before = open.document.snapshot();
  try {
    open = load_document(dir / "bad.json");
    FAIL() << "no error";
  } catch (const Error&) {
  }
  EXPECT_EQ(open.document.snapshot(), before);  // not even a new version
  EXPECT_EQ(open.document.layers().size(), 3u);
  EXPECT_TRUE(open.document.can_undo());
}

}  // namespace
}  // namespace palette
