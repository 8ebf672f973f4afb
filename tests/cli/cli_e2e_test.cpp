// The `palette` binary as a user runs it: help, errors for bad commands and flags, inspect.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <string>

#include "palette/safetensors.h"
#include "support/fixtures.h"
#include "support/cli_runner.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::CliRun;
using test::contains;
using test::run_cli;

TEST(CliE2E, HelpListsCommands) {
  const CliRun r = run_cli("--help");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "info")) << r.output;
  EXPECT_TRUE(contains(r.output, "inspect")) << r.output;
}

TEST(CliE2E, NoCommandIsAnError) {
  const CliRun r = run_cli("");
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "subcommand")) << r.output;
}

TEST(CliE2E, UnknownCommandIsNamed) {
  const CliRun r = run_cli("paint-me-a-cat");
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "unknown command 'paint-me-a-cat'")) << r.output;
}

TEST(CliE2E, BadFlagIsNamed) {
  const CliRun r = run_cli("inspect --frobnicate x.safetensors");
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "--frobnicate")) << r.output;
}

TEST(CliE2E, MissingArgument) {
  const CliRun r = run_cli("inspect");
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.output, "file")) << r.output;
}

TEST(CliE2E, InfoNamesLibTorch) {
  const CliRun r = run_cli("info");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "LibTorch")) << r.output;
}

TEST(CliE2E, InspectListsTensors) {
  test::TempDir dir;
  save_safetensors(dir / "m.safetensors", {{"unet.conv_in.weight", torch::zeros({4, 3}, torch::kHalf)}},
                   {{"format", "pt"}});
  const CliRun r = run_cli("inspect '" + (dir / "m.safetensors").string() + "'");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "unet.conv_in.weight")) << r.output;
  EXPECT_TRUE(contains(r.output, "F16")) << r.output;
  EXPECT_TRUE(contains(r.output, "[4, 3]")) << r.output;
  EXPECT_TRUE(contains(r.output, "format = pt")) << r.output;
}

TEST(CliE2E, InspectBrokenFileIsAClearError) {
  test::TempDir dir;
  test::write_raw(dir / "broken.safetensors", "abc");
  const CliRun r = run_cli("inspect '" + (dir / "broken.safetensors").string() + "'");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "palette: error:")) << r.output;
  EXPECT_TRUE(contains(r.output, "broken.safetensors")) << r.output;
  EXPECT_TRUE(contains(r.output, "truncated")) << r.output;
}

// The live benchmark drives strokes and prompt edits and reports what a painter feels.
TEST(CliE2E, BenchLiveReportsFirstChangeAndSettled) {
  const CliRun r = run_cli("bench --device cpu --model '" + (test::fixtures_dir() / "tiny-sd15").string() +
                           "' -w live --live-side 64 --stream-mode regional --frames 20 --warmup 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "live: first-change p50")) << r.output;
  EXPECT_TRUE(contains(r.output, "settled p50")) << r.output;
  EXPECT_TRUE(contains(r.output, "10 edits")) << r.output;  // 2 strokes of 4 frames, each with a prompt edit
}

TEST(CliE2E, InfoDescribesAModel) {
  const CliRun r = run_cli("info '" + (test::fixtures_dir() / "tiny-sd21").string() + "'");
  EXPECT_EQ(r.status, 0) << r.output;
  for (const char* needle : {"SD 2.x", "diffusers folder", "unet", "text_encoder", "vae", "linear projection", "F16"})
    EXPECT_TRUE(contains(r.output, needle)) << needle << " missing in:\n" << r.output;
}

TEST(CliE2E, InfoOnMissingModelIsAClearError) {
  const CliRun r = run_cli("info /no/such/model");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "palette: error: '/no/such/model': no such model")) << r.output;
}

TEST(CliE2E, BadDtypeIsNamed) {
  const CliRun r = run_cli("info '" + (test::fixtures_dir() / "tiny-sd15").string() + "' --dtype float8");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "--dtype")) << r.output;
}

}  // namespace
}  // namespace palette
