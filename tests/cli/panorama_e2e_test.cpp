// `palette panorama` as a user runs it: a tiled panorama with the tiny fixture model to a PNG of the
// right size with its settings and seed, a loop-closed SyncDiffusion panorama with its coherence, and
// bad sizes and LPIPS files refused before anything is written.
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

std::string lpips_arg() {
  return "--lpips '" + (test::fixtures_dir() / "lpips_alex_weights.safetensors").string() + "'";
}

TEST(PanoramaE2E, SyncLoopPanoramaWithCoherence) {
  test::TempDir dir;
  const auto out = dir / "loop.png";
  const CliRun r =
      run_cli("panorama " + model_arg() + " " + lpips_arg() +
              " --prompt 'a castle at sunset' --method multidiffusion --sync --sync-fast --loop"
              " --width 192 --height 64 --window 8 --stride 4 --steps 2 --sync-steps 1 --seed 3 -o '" +
              out.string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "step 2/2")) << r.output;
  EXPECT_TRUE(contains(r.output, "multidiffusion + sync (fast)")) << r.output;
  EXPECT_TRUE(contains(r.output, "coherence: intra-LPIPS")) << r.output;
  EXPECT_TRUE(contains(r.output, "over 3 pairs of 64x64 tiles")) << r.output;
  const auto parameters = nlohmann::json::parse(read_png_text(out).at("parameters"));
  EXPECT_EQ(parameters.at("circular"), true);
  EXPECT_EQ(parameters.at("sync").at("fast"), true);
  EXPECT_EQ(parameters.at("sync").at("steps"), 1);
  EXPECT_EQ(read_image(out).width, 192);
}

TEST(PanoramaE2E, SyncWithoutLpipsNamesTheMissingFile) {
  test::TempDir dir;
  const auto out = dir / "x.png";
  const CliRun r = run_cli("panorama " + model_arg() + " --prompt sea --method multidiffusion --sync -o '" +
                           out.string() + "'");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "--sync needs LPIPS weights: pass --lpips FILE")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(PanoramaE2E, WrongLpipsFileIsNamed) {
  test::TempDir dir;
  const auto out = dir / "x.png";
  const auto wrong = (test::fixtures_dir() / "sd15_vae.safetensors").string();
  const CliRun r = run_cli("panorama " + model_arg() + " --lpips '" + wrong +
                           "' --prompt sea --method multidiffusion --sync -o '" + out.string() + "'");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, wrong)) << r.output;
  EXPECT_TRUE(contains(r.output, "net.slice1.0.weight")) << r.output;
  EXPECT_FALSE(contains(r.output, "seed ")) << "refused before the model loads: " << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace palette
