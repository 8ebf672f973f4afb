// `palette panorama` as a user runs it: a tiled panorama with the tiny fixture model to a PNG of the
// right size with its settings and seed, a loop-closed SyncDiffusion panorama with its coherence, and
// bad sizes and LPIPS files refused before anything is written.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "palette/image.h"
#include "palette/infotext.h"
#include "palette/version.h"
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
  // The values that ran, never the "0 = default" of the options: 5 LCM steps, a 128-pixel tile (the
  // shorter side) at half its side.
  EXPECT_EQ(read_png_text(out).at("parameters"),
            "a wide landscape, mountains\n"
            "Steps: 5, Sampler: LCM, CFG scale: 1, Seed: 7, Size: 384x128, Model: tiny-sd15, Panorama: tiled, "
            "Window: 128, Stride: 64, Version: Semantic Palette " + version());
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
              " --prompt 'a castle at sunset' --sync --sync-fast --loop"  // MultiDiffusion: the default method
              " --width 192 --height 64 --window 8 --stride 4 --steps 2 --sync-steps 1 --seed 3 -o '" +
              out.string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "step 2/2")) << r.output;
  EXPECT_TRUE(contains(r.output, "multidiffusion + sync (fast)")) << r.output;
  EXPECT_TRUE(contains(r.output, "coherence: intra-LPIPS")) << r.output;
  EXPECT_TRUE(contains(r.output, "over 3 pairs of 64x64 tiles")) << r.output;
  const Infotext parameters = parse_infotext(read_png_text(out).at("parameters"));
  const auto field = [&](const char* key) { return parameters.find(key) ? *parameters.find(key) : "(none)"; };
  EXPECT_EQ(field("Circular"), "True");
  EXPECT_EQ(field("SyncDiffusion"), "fast");
  EXPECT_EQ(field("Sync steps"), "1");
  EXPECT_EQ(field("Steps"), "2");
  EXPECT_EQ(field("Window"), "64");
  EXPECT_EQ(field("Stride"), "32");
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
