// The default model's commands as a user runs them: make-dataset, train-default (init, a tiny run of each
// stage, bad options) and eval-default.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "palette/image.h"
#include "support/cli_runner.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::contains;
using test::run_cli;

TEST(DefaultModelE2E, MakeDatasetWritesPicturesClassMapsAndCaptions) {
  test::TempDir dir;
  const auto r = run_cli("make-dataset --seed 4 --count 3 --size 48 -o '" + (dir / "world").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "wrote 7 files")) << r.output;
  EXPECT_EQ(read_image(dir / "world" / "00002.png").width, 48);
  EXPECT_EQ(read_image(dir / "world" / "00002.classes.png").height, 48);
  std::ifstream captions(dir / "world" / "captions.jsonl");
  int lines = 0;
  for (std::string line; std::getline(captions, line);) lines += contains(line, "\"caption\"");
  EXPECT_EQ(lines, 3);
  const auto bad = run_cli("make-dataset --scene volcano -o '" + (dir / "x").string() + "'");
  EXPECT_NE(bad.status, 0);
  EXPECT_TRUE(contains(bad.output, "unknown scene 'volcano'")) << bad.output;
}

TEST(DefaultModelE2E, TrainsEvaluatesAndRefusesMistakes) {
  test::TempDir dir;
  const std::string model = "'" + (dir / "m").string() + "'";
  ASSERT_EQ(run_cli("train-default --init --model-size tiny --out " + model).status, 0);
  const auto again = run_cli("train-default --init --model-size tiny --out " + model);
  EXPECT_NE(again.status, 0);
  EXPECT_TRUE(contains(again.output, "already holds a model")) << again.output;
  const std::string tiny = " --model-size tiny --size 64 --crop 32 --batch 2 --pool 4 --steps 3 --log-every 1 --out " + model;
  const auto no_vae = run_cli("train-default --stage unet" + tiny);
  EXPECT_NE(no_vae.status, 0);
  EXPECT_TRUE(contains(no_vae.output, "run --stage autoencoder first")) << no_vae.output;
  const auto ae = run_cli("train-default --stage autoencoder" + tiny);
  ASSERT_EQ(ae.status, 0) << ae.output;
  EXPECT_TRUE(contains(ae.output, "step 3  loss")) << ae.output;
  ASSERT_EQ(run_cli("train-default --stage unet" + tiny).status, 0);
  // resumed with the loss class-balanced (each picture's map made with its pool)
  const auto resumed = run_cli("train-default --stage unet --resume --class-balance 1" + tiny);
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_TRUE(contains(resumed.output, "trained steps 3..6")) << resumed.output;
  const auto eval = run_cli("eval-default --model " + model + " --count 1 --size 64 --reference-samples 16 --border 2 -o '" +
                            (dir / "eval").string() + "'");
  ASSERT_EQ(eval.status, 0) << eval.output;
  EXPECT_TRUE(contains(eval.output, "regions classified as painted")) << eval.output;
  EXPECT_TRUE(contains(eval.output, "region borders of 2 px left out")) << eval.output;
  std::ifstream report(dir / "eval" / "eval.json");
  const std::string report_text{std::istreambuf_iterator<char>(report), std::istreambuf_iterator<char>()};
  EXPECT_TRUE(contains(report_text, "\"border\": 2,")) << "the report says which border\n" << report_text;
  // a border wider than the small regions leaves them unjudged, and the report says how many
  const auto wide = run_cli("eval-default --model " + model + " --count 1 --size 64 --reference-samples 16 --border 16");
  ASSERT_EQ(wide.status, 0) << wide.output;
  EXPECT_TRUE(contains(wide.output, "left unjudged: under 16 pixels without their 16-px border")) << wide.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "eval" / "sheet.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "eval" / "layouts" / "coast-0.layout.json"));
  // the evaluation's layouts render like any saved layout
  const auto render = run_cli("render --layout '" + (dir / "eval" / "layouts" / "coast-0.layout.json").string() +
                              "' --model " + model + " --device cpu -o '" + (dir / "coast.png").string() + "'");
  ASSERT_EQ(render.status, 0) << render.output;
  EXPECT_EQ(read_image(dir / "coast.png").width, 64);
  // other render settings are the report's too; the stream's default sampler is the only one a layout
  // cannot run besides lcm
  const auto unboot = run_cli("eval-default --model " + model + " --count 1 --size 64 --reference-samples 16 " +
                              "--sampler lcm --steps 2 --guidance 2 --bootstrap-steps 0 --cover-alpha 0.5");
  ASSERT_EQ(unboot.status, 0) << unboot.output;
  EXPECT_TRUE(contains(unboot.output, "1 at 64², lcm 2 steps, guidance 2, bootstrapping 0 step(s), cover alpha 0.5"))
      << unboot.output;
  const auto over = run_cli("eval-default --model " + model + " --count 1 --size 64 --cover-alpha 2");
  EXPECT_NE(over.status, 0);
  EXPECT_TRUE(contains(over.output, "--cover-alpha must be a number at most 1")) << over.output;
  const auto live = run_cli("eval-default --model " + model + " --count 1 --size 64 --reference-samples 16 --live");
  ASSERT_EQ(live.status, 0) << live.output;
  EXPECT_TRUE(contains(live.output, "the live picture as the app shows it on this device")) << live.output;
  const auto ddim = run_cli("eval-default --model " + model + " --count 1 --size 64 --sampler ddim");
  EXPECT_NE(ddim.status, 0);
  EXPECT_TRUE(contains(ddim.output, "--sampler ddim: layouts render with lcm or lcm_stream")) << ddim.output;
  const auto decoder = run_cli("train-default --stage decoder" + tiny);
  ASSERT_EQ(decoder.status, 0) << decoder.output;
  EXPECT_TRUE(contains(decoder.output, "PSNR against the VAE's decode")) << decoder.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "m" / "taesd" / "config.json"));
  const auto bad = run_cli("train-default --stage refiner --steps 1 --out " + model);
  EXPECT_NE(bad.status, 0);
  EXPECT_TRUE(contains(bad.output, "unknown stage 'refiner'")) << bad.output;
  const auto scenes = run_cli("train-default --stage unet --steps 1 --scene-weights winter=3,volcano=1 --out " + model);
  EXPECT_EQ(scenes.status, 1);
  EXPECT_TRUE(contains(scenes.output, "--scene-weights: unknown scene 'volcano'")) << scenes.output;
  const auto balance = run_cli("train-default --stage unet --steps 1 --class-balance 3 --out " + model);
  EXPECT_NE(balance.status, 0);
  EXPECT_TRUE(contains(balance.output, "--class-balance")) << balance.output;
}

}  // namespace
}  // namespace palette
