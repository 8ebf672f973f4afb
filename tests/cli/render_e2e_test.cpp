// `palette render` as a user runs it: a PNG of the right size with its settings in a text chunk,
// the seed printed and reproducible, progress lines, and clear errors that leave no file behind.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <regex>
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

// A small, fast render with the tiny SD 1.x fixture, on the CPU; the defaults give 128×128, LCM, 2 steps.
std::string render_args(const std::filesystem::path& out, const std::string& extra = "",
                        const std::string& sampler = "lcm", const std::string& width = "128",
                        const std::string& height = "128") {
  return "render --model '" + (test::fixtures_dir() / "tiny-sd15").string() +
         "' --prompt 'a red house by the sea' --sampler " + sampler + " --steps 2 --guidance 1 --width " +
         width + " --height " + height + " --device cpu -o '" + out.string() + "' " + extra;
}

TEST(RenderE2E, WritesPngWithItsParameters) {
  test::TempDir dir;
  const auto out = dir / "house.png";
  const CliRun r = run_cli(render_args(out, "--seed 1234 --negative blurry"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "seed 1234")) << r.output;
  EXPECT_TRUE(contains(r.output, "step 2/2")) << r.output;  // plain progress lines: stderr is a pipe
  const Image image = read_image(out);
  EXPECT_EQ(image.width, 128);
  EXPECT_EQ(image.height, 128);
  const auto text = read_png_text(out);
  ASSERT_EQ(text.count("parameters"), 1u);
  // AUTOMATIC1111's infotext, exactly as A1111 would write these settings (golden).
  EXPECT_EQ(text.at("parameters"),
            "a red house by the sea\n"
            "Negative prompt: blurry\n"
            "Steps: 2, Sampler: LCM, CFG scale: 1, Seed: 1234, Size: 128x128, Model: tiny-sd15, Version: "
            "Semantic Palette " + version());
  const Infotext params = parse_infotext(text.at("parameters"));
  EXPECT_EQ(params.prompt, "a red house by the sea");
  EXPECT_EQ(params.negative_prompt, "blurry");
  ASSERT_NE(params.find("Seed"), nullptr);
  EXPECT_EQ(*params.find("Seed"), "1234");
  // A text render is not a layout: it carries none, and says so when opened as one.
  EXPECT_EQ(text.count("semantic-palette"), 0u);
  const CliRun reopen = run_cli("render --layout '" + out.string() + "' -o '" + (dir / "again.png").string() + "'");
  EXPECT_EQ(reopen.status, 1) << reopen.output;
  EXPECT_TRUE(contains(reopen.output, "carries no Semantic Palette layout (no 'semantic-palette' chunk)"))
      << reopen.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "again.png"));
}

TEST(RenderE2E, SameSeedSamePixels) {
  test::TempDir dir;
  ASSERT_EQ(run_cli(render_args(dir / "a.png", "--seed 99")).status, 0);
  ASSERT_EQ(run_cli(render_args(dir / "b.png", "--seed 99")).status, 0);
  ASSERT_EQ(run_cli(render_args(dir / "c.png", "--seed 100")).status, 0);
  const Image a = read_image(dir / "a.png");
  EXPECT_EQ(a.pixels, read_image(dir / "b.png").pixels);
  EXPECT_NE(a.pixels, read_image(dir / "c.png").pixels);
}

TEST(RenderE2E, RandomSeedIsPrintedAndRecorded) {
  test::TempDir dir;
  const CliRun r = run_cli(render_args(dir / "r.png"));
  ASSERT_EQ(r.status, 0) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("seed (\\d+)\n"))) << r.output;
  const Infotext params = parse_infotext(read_png_text(dir / "r.png").at("parameters"));
  ASSERT_NE(params.find("Seed"), nullptr);
  EXPECT_EQ(*params.find("Seed"), m[1].str());
}

TEST(RenderE2E, BadSizeIsNamedAndWritesNothing) {
  test::TempDir dir;
  const CliRun r = run_cli(render_args(dir / "x.png", "", "lcm", "100"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "width 100 is not a multiple of 8")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
  const CliRun small = run_cli(render_args(dir / "x.png", "", "lcm", "128", "32"));
  EXPECT_EQ(small.status, 1) << small.output;
  EXPECT_TRUE(contains(small.output, "height 32 is below the minimum of 64")) << small.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
}

// An SDXL folder renders through the same command; its micro-conditioning flags reach the UNet (another
// original size gives other pixels), and a malformed or out-of-range one is named before any work.
TEST(RenderE2E, SdxlModelWithMicroConditioning) {
  test::TempDir dir;
  const std::string base = "render -m '" + (test::fixtures_dir() / "tiny-sdxl").string() +
                           "' -p 'a red house by the sea' --steps 2 -W 128 -H 128 -s 5 --device cpu ";
  const CliRun plain = run_cli(base + "-o '" + (dir / "plain.png").string() + "'");
  ASSERT_EQ(plain.status, 0) << plain.output;
  EXPECT_TRUE(contains(plain.output, "(128x128, euler, 2 steps, seed 5)")) << plain.output;
  const CliRun cropped = run_cli(base + "--original-size 256x384 --crop 16,0 --target-size 128x128 -o '" +
                                 (dir / "cropped.png").string() + "'");
  ASSERT_EQ(cropped.status, 0) << cropped.output;
  EXPECT_NE(read_image(dir / "plain.png").pixels, read_image(dir / "cropped.png").pixels);
  // the PNG says how to make it again
  const std::string params = read_png_text(dir / "cropped.png").at("parameters");
  EXPECT_TRUE(contains(params, "Original size: 256x384, Crop: \"16,0\", Target size: 128x128")) << params;
  EXPECT_FALSE(contains(read_png_text(dir / "plain.png").at("parameters"), "Original size")) ;
  const CliRun bad = run_cli(base + "--crop 16x0 -o '" + (dir / "bad.png").string() + "'");
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_TRUE(contains(bad.output, "--crop: '16x0' is not X,Y (e.g. 0,0)")) << bad.output;
  const CliRun zero = run_cli(base + "--original-size 0x64 -o '" + (dir / "bad.png").string() + "'");
  EXPECT_EQ(zero.status, 1) << zero.output;
  EXPECT_TRUE(contains(zero.output, "original_size (height 64, width 0): each must be 1")) << zero.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.png"));
}

TEST(RenderE2E, UnknownSamplerIsNamedAndWritesNothing) {
  test::TempDir dir;
  const CliRun r = run_cli(render_args(dir / "x.png", "", "dpm"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "--sampler: unknown sampler 'dpm' (known: lcm, lcm_stream, ddim, euler, euler_a)"))
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
}

// No --model: the built-in default model, with its own settings (LCM, 5 steps, no CFG), said on one line.
TEST(RenderE2E, TheBuiltInModelIsTheDefault) {
  test::TempDir dir;
  const CliRun r = run_cli("render -p 'a house on grass under a clear sky' -W 64 -H 64 --seed 3 -o '" +
                           (dir / "x.png").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "model: the built-in default model")) << r.output;
  EXPECT_TRUE(contains(r.output, "lcm, 5 steps")) << r.output;
  const Image image = read_image(dir / "x.png");
  EXPECT_EQ(image.width, 64);
  EXPECT_TRUE(contains(read_png_text(dir / "x.png").at("parameters"), "Model: default-model"))
      << "the model is recorded";
}

// A missing or broken built-in model: one message naming its folder and --model; nothing written.
TEST(RenderE2E, AMissingBuiltInModelIsNamed) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "assets" / "default-model" / "unet");
  const std::string env = "PALETTE_ASSETS='" + (dir / "assets").string() + "'";
  CliRun r = run_cli("render -p cat -W 64 -H 64 -o '" + (dir / "x.png").string() + "'", env);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "the built-in default model is missing")) << r.output;
  EXPECT_TRUE(contains(r.output, (dir / "assets" / "default-model").string())) << r.output;
  EXPECT_TRUE(contains(r.output, "--model")) << r.output;
  test::write_raw(dir / "assets" / "default-model" / "model_index.json", "{\"_class_name\": ");
  r = run_cli("render -p cat -W 64 -H 64 -o '" + (dir / "x.png").string() + "'", env);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "the built-in default model in")) << r.output;
  EXPECT_TRUE(contains(r.output, "is broken")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
}

TEST(RenderE2E, BadFlagsAreNamed) {
  test::TempDir dir;
  const CliRun steps =
      run_cli("render --model m --prompt cat --steps many -o '" + (dir / "x.png").string() + "'");
  EXPECT_NE(steps.status, 0);
  EXPECT_TRUE(contains(steps.output, "--steps")) << steps.output;
  EXPECT_TRUE(contains(steps.output, "many")) << steps.output;
  const CliRun no_output = run_cli("render --model m --prompt cat");
  EXPECT_NE(no_output.status, 0);
  EXPECT_TRUE(contains(no_output.output, "--output")) << no_output.output;
  const CliRun missing_folder = run_cli(render_args(dir / "no" / "x.png"));
  EXPECT_EQ(missing_folder.status, 1) << missing_folder.output;
  EXPECT_TRUE(contains(missing_folder.output, "does not exist")) << missing_folder.output;
}

}  // namespace
}  // namespace palette
