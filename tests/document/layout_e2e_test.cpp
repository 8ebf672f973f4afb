// Layouts from the command line as a user drives them: `palette render --layout` renders an example
// layout with the fixture model into a PNG that carries its settings, `palette layout new|show`
// make and read layouts, and broken layouts fail with the field named and no file written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "document_test_util.h"
#include "palette/image.h"
#include "palette/infotext.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::CliRun;
using test::contains;
using test::run_cli;

const std::filesystem::path kExamples = std::filesystem::path(PALETTE_SOURCE_DIR) / "assets" / "examples";

std::string model_flag() {
  return "--model '" + (test::fixtures_dir() / "tiny-sd15").string() + "' --device cpu";
}

// At 128 × 128 with 2 LCM steps the tiny model renders in seconds on a CPU.
std::string render_layout(const std::filesystem::path& layout, const std::filesystem::path& out,
                          const std::string& extra = "") {
  return "render --layout '" + layout.string() + "' " + model_flag() +
         " --width 128 --height 128 --steps 2 -o '" + out.string() + "' " + extra;
}

// Not one flat colour: the channel values spread.
bool has_content(const Image& image) {
  const auto [lo, hi] = std::minmax_element(image.pixels.begin(), image.pixels.end());
  return *hi - *lo > 32;
}

TEST(LayoutE2E, RendersAnExampleLayout) {
  test::TempDir dir;
  const auto out = dir / "sd15-still-life.png";
  const CliRun r = run_cli(render_layout(kExamples / "sd15-still-life.layout.json", out));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "seed 2024")) << r.output;  // the layout's own seed
  EXPECT_TRUE(contains(r.output, "step 2/2")) << r.output;
  const Image image = read_image(out);
  EXPECT_EQ(image.width, 128);
  EXPECT_EQ(image.height, 128);
  EXPECT_TRUE(has_content(image));
  const auto text = read_png_text(out);
  ASSERT_EQ(text.count("parameters"), 1u);
  const Infotext info = parse_infotext(text.at("parameters"));
  const auto field = [&](const char* key) { return info.find(key) ? *info.find(key) : "(none)"; };
  EXPECT_EQ(field("Seed"), "2024");
  EXPECT_EQ(field("Steps"), "2");
  EXPECT_EQ(field("Size"), "128x128");
  EXPECT_EQ(field("Model"), "tiny-sd15");
  EXPECT_EQ(field("Regions"), "5");
  EXPECT_TRUE(contains(info.prompt, " BREAK shiny red apples")) << info.prompt;
  ASSERT_EQ(text.count("semantic-palette"), 1u);
  const auto p = nlohmann::json::parse(text.at("semantic-palette"));
  EXPECT_EQ(p.at("format"), "semantic-palette");
  EXPECT_EQ(p.at("settings").at("seed"), 2024);
  EXPECT_EQ(p.at("settings").at("steps"), 2);
  EXPECT_EQ(p.at("settings").at("model"), std::filesystem::absolute(test::fixtures_dir() / "tiny-sd15").lexically_normal().string());
  EXPECT_EQ(p.at("render_size").at("width"), 128);
  EXPECT_EQ(p.at("canvas").at("width"), 512);
  ASSERT_EQ(p.at("layers").size(), 5u);
  EXPECT_EQ(p.at("layers")[4].at("prompt"), "shiny red apples");
}

// A rendered picture reopens as its layout: rendered again from the PNG with the same settings (the
// model, seed and render size come from the picture), it is the same picture, pixel for pixel.
TEST(LayoutE2E, APictureRendersAgainAsItWas) {
  test::TempDir dir;
  const auto first = dir / "first.png";
  ASSERT_EQ(run_cli(render_layout(kExamples / "sd15-still-life.layout.json", first)).status, 0);
  const auto again = dir / "again.png";
  const CliRun r = run_cli("render --layout '" + first.string() + "' --device cpu -o '" + again.string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "seed 2024")) << r.output;
  EXPECT_TRUE(contains(r.output, "tiny-sd15")) << "the picture's model, not the built-in one: " << r.output;
  const Image a = read_image(first), b = read_image(again);
  ASSERT_EQ(b.width, 128);
  ASSERT_EQ(b.height, 128);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(read_png_text(first).at("semantic-palette"), read_png_text(again).at("semantic-palette"));
}

// A PNG that holds no layout, a broken layout chunk or one from a newer version: one message, no file.
TEST(LayoutE2E, APictureWithoutALayoutIsNamed) {
  test::TempDir dir;
  write_png(dir / "photo.png", test::gray_image(64, 64, [](int x, int) { return x; }));
  write_png(dir / "broken.png", test::gray_image(64, 64, [](int x, int) { return x; }),
            {{"semantic-palette", "{\"format\": ", true}});
  write_png(dir / "future.png", test::gray_image(64, 64, [](int x, int) { return x; }),
            {{"semantic-palette", R"({"format": "semantic-palette", "version": 99, "kind": "layout"})"}});
  const std::pair<const char*, std::string> cases[] = {
      {"photo.png", "' carries no Semantic Palette layout (no 'semantic-palette' chunk): "},
      {"broken.png", "' chunk 'semantic-palette': "},
      {"future.png", "' chunk 'semantic-palette': version: 99 is newer than this program reads"}};
  for (const auto& [name, expected] : cases) {
    const CliRun r = run_cli(render_layout(dir / name, dir / "out.png"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_TRUE(contains(r.output, (dir / name).string() + expected)) << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "out.png"));
  }
}

TEST(LayoutE2E, NewShowAndRenderFromTheCommandLine) {
  test::TempDir dir;
  write_png(dir / "sun.png", test::gray_image(64, 64, [](int x, int) { return x < 32 ? 255 : 0; }));
  const auto layout = dir / "mine.json";
  const CliRun made = run_cli("layout new '" + layout.string() +
                              "' -W 128 -H 128 -b 'a quiet beach' --seed 5 --steps 2 "
                              "-l 'sun:#FFCC00:the evening sun:" +
                              (dir / "sun.png").string() + "' -l 'sea:#2050c0:a calm sea'");
  ASSERT_EQ(made.status, 0) << made.output;
  EXPECT_TRUE(contains(made.output, "(layout, 128x128, 2 layers)")) << made.output;
  const CliRun shown = run_cli("layout show '" + layout.string() + "'");
  ASSERT_EQ(shown.status, 0) << shown.output;
  EXPECT_TRUE(contains(shown.output, "layout, 128x128, 2 layers")) << shown.output;
  EXPECT_TRUE(contains(shown.output, "seed 5")) << shown.output;
  EXPECT_TRUE(contains(shown.output, "background: \"a quiet beach\"")) << shown.output;
  EXPECT_TRUE(contains(shown.output, "#ffcc00")) << shown.output;
  EXPECT_TRUE(contains(shown.output, "50.0%")) << shown.output;  // the sun's left half, resized
  EXPECT_TRUE(contains(shown.output, "0.0%")) << shown.output;   // nothing painted for the sea
  // Brushes count from 1, bottom to top, as the app's keys do.
  EXPECT_TRUE(contains(shown.output, "  1  sun ")) << shown.output;
  EXPECT_TRUE(contains(shown.output, "  2  sea ")) << shown.output;
  const CliRun again = run_cli("layout new '" + layout.string() + "'");
  EXPECT_EQ(again.status, 1);
  EXPECT_TRUE(contains(again.output, "exists; pass --force")) << again.output;
  const CliRun rendered = run_cli("render --layout '" + layout.string() + "' " + model_flag() + " -o '" +
                                  (dir / "mine.png").string() + "'");
  ASSERT_EQ(rendered.status, 0) << rendered.output;
  EXPECT_TRUE(contains(rendered.output, "1 of 2 layers")) << rendered.output;  // the sea is empty
  EXPECT_EQ(read_image(dir / "mine.png").width, 128);
}

TEST(LayoutE2E, BrokenLayoutIsNamedAndWritesNothing) {
  test::TempDir dir;
  std::string text = test::read_raw(kExamples / "sd15-portrait.layout.json");
  text.replace(text.find("\"#3b7dd8\""), 9, "\"#3b7dz8\"");  // the eyes' colour, layer 2
  test::write_raw(dir / "bad.json", text);
  const CliRun r = run_cli(render_layout(dir / "bad.json", dir / "x.png"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "bad.json': layers[2].color: \"#3b7dz8\" is not a colour (#rrggbb)"))
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
  const CliRun shown = run_cli("layout show '" + (dir / "bad.json").string() + "'");
  EXPECT_EQ(shown.status, 1);
  EXPECT_TRUE(contains(shown.output, "layers[2].color")) << shown.output;
}

TEST(LayoutE2E, OptionsThatDoNotFitAreNamed) {
  test::TempDir dir;
  const auto layout = kExamples / "landscape.layout.json";
  const CliRun both =
      run_cli("render --layout '" + layout.string() + "' --prompt cat -o '" + (dir / "x.png").string() + "'");
  EXPECT_NE(both.status, 0);
  EXPECT_TRUE(contains(both.output, "--layout")) << both.output;
  const CliRun sampler = run_cli(render_layout(layout, dir / "x.png", "--sampler ddim"));
  EXPECT_EQ(sampler.status, 1);
  EXPECT_TRUE(contains(sampler.output, "settings.sampler: 'ddim' is not a region-rendering sampler"))
      << sampler.output;
  const CliRun size = run_cli("render --layout '" + layout.string() + "' " + model_flag() +
                              " --width 100 -o '" + (dir / "x.png").string() + "'");
  EXPECT_EQ(size.status, 1);
  EXPECT_TRUE(contains(size.output, "width 100 is not a multiple of 8")) << size.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
  const CliRun no_prompt = run_cli("render " + model_flag() + " -o '" + (dir / "x.png").string() + "'");
  EXPECT_EQ(no_prompt.status, 1);
  EXPECT_TRUE(contains(no_prompt.output, "--prompt is required (or --layout")) << no_prompt.output;
}

}  // namespace
}  // namespace palette
