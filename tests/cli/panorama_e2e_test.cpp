// `palette panorama` as a user runs it: a tiled panorama with the tiny fixture model to a PNG of the
// right size with its settings and seed, and a bad size refused before anything is written.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "palette/image.h"
#include "support/fixtures.h"
#include "support/cli_runner.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::CliRun;
using test::contains;
using test::run_cli;

std::string model_arg() {
  return "--model '" + (test::fixtures_dir() / "tiny-sd15").string() + "'";
}

TEST(PanoramaE2E, TiledPanoramaToPng) {
  test::TempDir dir;
  const auto out = dir / "wide.png";
  const CliRun r = run_cli("panorama " + model_arg() +
                           " --prompt 'a wide landscape, mountains' --method tiled --width 384 --height 128"
                           " --seed 7 -o '" +
                           out.string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "seed 7")) << r.output;
  EXPECT_TRUE(contains(r.output, "step 5/5")) << r.output;
  const Image image = read_image(out);
  EXPECT_EQ(image.width, 384);
  EXPECT_EQ(image.height, 128);
  const auto parameters = nlohmann::json::parse(read_png_text(out).at("parameters"));
  EXPECT_EQ(parameters.at("method"), "tiled");
  EXPECT_EQ(parameters.at("seed"), 7);
  EXPECT_EQ(parameters.at("sampler"), "lcm");
}

TEST(PanoramaE2E, BadSizeIsRefusedAndNothingIsWritten) {
  test::TempDir dir;
  const auto out = dir / "wide.png";
  const CliRun r = run_cli("panorama " + model_arg() +
                           " --prompt sea --method tiled --width 390 --height 128 -o '" + out.string() + "'");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "width 390 is not a multiple of 8")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(PanoramaE2E, UnknownMethodIsNamed) {
  test::TempDir dir;
  const CliRun r = run_cli("panorama " + model_arg() + " --prompt sea --method sync -o '" +
                           (dir / "x.png").string() + "'");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown panorama method 'sync'")) << r.output;
}

}  // namespace
}  // namespace palette
