// The `palette` binary as a user runs it: help, errors for bad commands and flags, inspect.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

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

// The names a help text lists under "Subcommands:" (CLI11 indents them by two spaces; a wrapped description
// is indented further).
std::vector<std::string> listed_subcommands(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream lines(help);
  std::string line;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      inside = true;
    } else if (inside && line.empty()) {
      break;
    } else if (inside && line.size() > 2 && line.compare(0, 2, "  ") == 0 && line[2] != ' ') {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  return names;
}

// The first cell of every row of the README's command table ("## Commands"), split into words:
// {"palette", "layout", "new", "FILE.json", …}.
std::vector<std::vector<std::string>> readme_command_rows() {
  std::ifstream file(std::filesystem::path(PALETTE_SOURCE_DIR) / "README.md");
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool inside = false;
  while (std::getline(file, line)) {
    if (line.rfind("## ", 0) == 0) {
      inside = line == "## Commands";
    } else if (inside && line.rfind("| `palette", 0) == 0) {
      std::istringstream cell(line.substr(3, line.find('`', 3) - 3));
      std::vector<std::string> words;
      for (std::string word; cell >> word;) words.push_back(word);
      rows.push_back(words);
    }
  }
  return rows;
}

// README "Commands" is where a user looks a command up: every command `palette --help` lists, and every
// subcommand of those that have some (palette layout new, …), has a row there.
TEST(CliE2E, ReadmeCommandTableListsEveryCommand) {
  const auto rows = readme_command_rows();
  ASSERT_FALSE(rows.empty()) << "no '| `palette …` |' rows under '## Commands' in "
                             << std::filesystem::path(PALETTE_SOURCE_DIR) / "README.md";
  auto has_row = [&](const std::vector<std::string>& command) {
    for (const auto& words : rows) {
      if (words.size() <= command.size() || words[0] != "palette") continue;
      bool same = true;
      for (size_t i = 0; i < command.size(); ++i) same = same && words[i + 1] == command[i];
      if (same) return true;
    }
    return false;
  };
  const CliRun help = run_cli("--help");
  ASSERT_EQ(help.status, 0) << help.output;
  const auto commands = listed_subcommands(help.output);
  ASSERT_GE(commands.size(), 5u) << "too few commands found in:\n" << help.output;
  for (const std::string& command : commands) {
    EXPECT_TRUE(has_row({command})) << "README.md's command table has no row for 'palette " << command << "'";
    const CliRun sub_help = run_cli(command + " --help");
    EXPECT_EQ(sub_help.status, 0) << sub_help.output;
    for (const std::string& sub : listed_subcommands(sub_help.output))
      EXPECT_TRUE(has_row({command, sub}))
          << "README.md's command table has no row for 'palette " << command << " " << sub << "'";
  }
}

// `palette bench` on the tiny SD 1.5 fixture, on the CPU, with these options.
CliRun bench_tiny_sd15(const std::string& options) {
  return run_cli("bench --device cpu --model '" + (test::fixtures_dir() / "tiny-sd15").string() + "' " + options);
}

// The live benchmark drives strokes and prompt edits and reports what a painter feels.
TEST(CliE2E, BenchLiveReportsFirstChangeAndSettled) {
  const CliRun r = bench_tiny_sd15("-w live --live-side 64 --stream-mode regional --frames 20 --warmup 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "live: first-change p50")) << r.output;
  EXPECT_TRUE(contains(r.output, "settled p50")) << r.output;
  EXPECT_TRUE(contains(r.output, "10 edits")) << r.output;  // 2 strokes of 4 frames, each with a prompt edit
}

// The churn workload feeds the live stream the app's kinds of edits and reports this process's memory as it goes
// and its growth per minute (what the app's long run on a GPU measures, without the app).
TEST(CliE2E, BenchChurnReportsTheMemoryAsItGoes) {
  const CliRun r = bench_tiny_sd15("-w churn --live-side 64 --churn-seconds 3");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "churn:     0 s  heap in use")) << r.output;
  EXPECT_TRUE(contains(r.output, "MB a minute); ")) << r.output;
  EXPECT_TRUE(contains(r.output, "churn 64², edits: stroke,prompt,layers,modes")) << r.output;
  EXPECT_TRUE(contains(r.output, " 0 stream errors")) << r.output;
}

// With `checks`, the app's picture check runs beside the stream (three times in a run this short): a fresh
// eager render of the newest snapshot on a pooled thread, counted in the summary.
TEST(CliE2E, BenchChurnRunsTheAppsPictureChecksBesideTheStream) {
  const CliRun r = bench_tiny_sd15("-w churn --live-side 64 --churn-seconds 3 --churn-edits stroke,checks");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(contains(r.output, "check failed")) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(, [1-9][0-9]* checks, 0 stream errors)"))) << r.output;
  EXPECT_TRUE(contains(r.output, "churn 64², edits: stroke,checks")) << r.output;
}

// --churn-check-seconds checks more often than the default (a third of this run: two checks), to tell a cache
// that fills once per shape from memory kept by every check.
TEST(CliE2E, BenchChurnChecksAsOftenAsAsked) {
  const CliRun r =
      bench_tiny_sd15("-w churn --live-side 64 --churn-seconds 6 --churn-check-seconds 1 --churn-edits stroke,checks");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(contains(r.output, "check failed")) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(, ([0-9]+) checks, 0 stream errors)"))) << r.output;
  EXPECT_GE(std::stoi(m[1]), 3) << r.output;
}

// SDXL models: the UNet at their 1024² with the added conditions, TFLOP/s from SDXL's own FLOP count; what
// does not run on SDXL yet is refused by name.
TEST(CliE2E, BenchOnSdxlRunsTheUNetAtItsSize) {
  const std::string model = (test::fixtures_dir() / "tiny-sdxl").string();
  const CliRun r = run_cli("bench --device cpu --model '" + model + "' -w decode --repeat 1 --warmup 0");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "VAE decode 1024²")) << r.output;
  EXPECT_TRUE(contains(r.output, "GFLOP per 1024² sample")) << r.output;
  const CliRun stream = run_cli("bench --device cpu --model '" + model + "' -w stream512");
  EXPECT_EQ(stream.status, 1) << stream.output;
  EXPECT_TRUE(contains(stream.output, "'stream512' does not run on SDXL models yet")) << stream.output;
  const CliRun shape = run_cli("bench --shape sd3");
  EXPECT_EQ(shape.status, 1) << shape.output;
  EXPECT_TRUE(contains(shape.output, "--shape: unknown shape 'sd3' (sd15 or sdxl)")) << shape.output;
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
