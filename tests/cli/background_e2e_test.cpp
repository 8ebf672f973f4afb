// Painting over a picture from the command line: `palette render --layout L.json --background photo.png`
// keeps the photo's pixels wherever nothing is painted, a layout can name its picture as a file beside
// it, a picture of another size is resized with a note, and bad pictures fail before anything runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "palette/image.h"
#include "pipelines/background_photos.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::CliRun;
using test::contains;
using test::shell_word;
using test::run_cli;

constexpr int kSide = 128, kA = 40, kB = 88;  // the painted square [40, 88)²

std::string render(const std::filesystem::path& layout, const std::filesystem::path& out,
                   const std::string& extra) {
  return "render --layout " + shell_word(layout) + " --model " + shell_word(test::fixtures_dir() / "tiny-sd15") +
         " --device cpu -o " + shell_word(out) + " " + extra;
}

// A 128 × 128 layout with one layer painted in the square, seed 5, 2 steps.
std::filesystem::path make_layout(const test::TempDir& dir) {
  Image mask{kSide, kSide, 1, std::vector<uint8_t>(kSide * kSide, 0)};
  for (int y = kA; y < kB; ++y)
    for (int x = kA; x < kB; ++x) mask.pixels[size_t(y) * kSide + x] = 255;
  write_png(dir / "mask.png", mask);
  const auto layout = dir / "garden.json";
  const CliRun made =
      run_cli("layout new " + shell_word(layout) + " -W 128 -H 128 --seed 5 --steps 2 -b 'a garden' " +
              "-l 'fountain:#3080ff:a stone fountain:" + (dir / "mask.png").string() + "'");
  EXPECT_EQ(made.status, 0) << made.output;
  return layout;
}

TEST(BackgroundE2E, RendersALayoutOverAPicture) {
  test::TempDir dir;
  const auto layout = make_layout(dir);
  const Image photo = test::photo(kSide, kSide);
  write_png(dir / "photo.png", photo);
  const CliRun r = run_cli(render(layout, dir / "out.png", "--background " + shell_word(dir / "photo.png")));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(contains(r.output, "note:")) << "a picture of the canvas size needs no note: " << r.output;
  const Image out = read_image(dir / "out.png");
  int outside_worst = 0, inside_changed = 0;
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      const int d = test::pixel_difference(out, photo, x, y);
      const bool inside = x >= kA && x < kB && y >= kA && y < kB;
      if (!inside) outside_worst = std::max(outside_worst, d);
      inside_changed += inside && d > 1;
    }
  EXPECT_EQ(outside_worst, 0) << "unpainted pixels are the photo's";
  EXPECT_GT(inside_changed, (kB - kA) * (kB - kA) / 2) << "the layer paints over the photo";

  // The layout names its picture as a file beside it; another size is resized, and said so.
  write_png(dir / "small.png", test::photo(64, 32));
  nlohmann::json j = nlohmann::json::parse(test::read_raw(layout));
  j["background"]["image"] = "small.png";
  test::write_raw(dir / "with-picture.json", j.dump(2));
  const CliRun small = run_cli(render(dir / "with-picture.json", dir / "small-out.png", ""));
  ASSERT_EQ(small.status, 0) << small.output;
  EXPECT_TRUE(
      contains(small.output, "note: the background image 64×32 is resized to the canvas 128×128 (stretched"))
      << small.output;
  const Image resized = read_image(dir / "small-out.png");
  EXPECT_NE(resized.pixels, out.pixels);
  EXPECT_LE(test::pixel_difference(resized, photo, 127, 0), 6) << "the corner colour survives the resize";
}

TEST(BackgroundE2E, BadPicturesFailBeforeRendering) {
  test::TempDir dir;
  const auto layout = make_layout(dir);
  test::write_raw(dir / "notes.txt", "not a picture");
  const CliRun bad = run_cli(render(layout, dir / "x.png", "--background " + shell_word(dir / "notes.txt")));
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_TRUE(contains(bad.output, "notes.txt': not a readable image")) << bad.output;
  const CliRun missing =
      run_cli(render(layout, dir / "x.png", "--background " + shell_word(dir / "nowhere.png")));
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_TRUE(contains(missing.output, "nowhere.png")) << missing.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
  const CliRun no_layout =
      run_cli("render -p cat --background " + shell_word(dir / "notes.txt") + " -o " + shell_word(dir / "x.png"));
  EXPECT_NE(no_layout.status, 0);
  EXPECT_TRUE(contains(no_layout.output, "--layout")) << no_layout.output;
}

}  // namespace
}  // namespace palette
