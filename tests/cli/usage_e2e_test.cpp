// The command line's conventions as a user meets them: exit statuses 0 / 1 / 2 (documented in the help
// footer), "did you mean" for mistyped commands and flags, the same short flags in every command
// (-m model, -s seed, -n negative prompt), one sampler vocabulary, and a plain word for a folder that
// is not a model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/cli_runner.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using test::CliRun;
using test::contains;
using test::shell_word;
using test::run_cli;

TEST(UsageE2E, HelpDocumentsTheExitStatuses) {
  const CliRun r = run_cli("--help");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "Exit status: 0 success; 1 bad input or a failure")) << r.output;
  EXPECT_TRUE(contains(r.output, "2 usage")) << r.output;
  EXPECT_EQ(run_cli("--version").status, 0);
  EXPECT_EQ(run_cli("render --help").status, 0);
}

TEST(UsageE2E, EveryUsageMistakeIsStatusTwo) {
  // CLI11 alone would answer these with 105-114, one code per kind of parse error.
  for (const char* args :
       {"", "rendr", "render --seeed 3", "render -p x", "render -p x -o x.png --steps abc", "layout",
        "layout nwe", "inspect", "stream -n 3", "render -p x -o x.png --layout y"}) {
    const CliRun r = run_cli(args);
    EXPECT_EQ(r.status, 2) << "palette " << args << "\n" << r.output;
  }
}

TEST(UsageE2E, BadInputIsStatusOne) {
  test::TempDir dir;
  const CliRun sampler = run_cli("render -p x --sampler dpm -o " + shell_word(dir / "x.png"));
  EXPECT_EQ(sampler.status, 1) << sampler.output;
  const CliRun missing = run_cli("inspect " + shell_word(dir / "none.safetensors"));
  EXPECT_EQ(missing.status, 1) << missing.output;
}

TEST(UsageE2E, MistypedCommandGetsASuggestion) {
  const CliRun r = run_cli("rendr");
  EXPECT_TRUE(contains(r.output, "unknown command 'rendr'; did you mean 'render'?")) << r.output;
  const CliRun sub = run_cli("layout shwo x.json");
  EXPECT_EQ(sub.status, 2) << sub.output;
  EXPECT_TRUE(contains(sub.output, "did you mean 'show'?")) << sub.output;
  // Nothing near: the list of commands instead of a wild guess.
  const CliRun far = run_cli("paint-me-a-cat");
  EXPECT_TRUE(contains(far.output, "unknown command 'paint-me-a-cat' (commands: info, inspect, render"))
      << far.output;
}

TEST(UsageE2E, MistypedFlagGetsASuggestion) {
  // Before the missing -o: the typo is what the user needs to hear about.
  const CliRun r = run_cli("render --seeed 3");
  EXPECT_TRUE(contains(r.output, "unknown flag '--seeed' for 'palette render'; did you mean '--seed'?"))
      << r.output;
  EXPECT_FALSE(contains(r.output, "unexpected argument '3'")) << r.output;  // the typo's value, not news
  const CliRun eq = run_cli("panorama --promt=sea -o x.png");
  EXPECT_TRUE(contains(eq.output, "unknown flag '--promt' for 'palette panorama'; did you mean '--prompt'?"))
      << eq.output;
  const CliRun far = run_cli("render --frobnicate -p x -o x.png");
  EXPECT_TRUE(contains(far.output, "unknown flag '--frobnicate' for 'palette render'")) << far.output;
  EXPECT_FALSE(contains(far.output, "did you mean")) << far.output;
}

TEST(UsageE2E, StreamFramesIsNoLongerDashN) {
  // -n is the negative prompt wherever there is one; stream's old -n points to --frames.
  const CliRun r = run_cli("stream -n 3 --layout x.json -o frames");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown flag '-n' for 'palette stream'; did you mean '--frames'?"))
      << r.output;
}

TEST(UsageE2E, ShortFlagsAreTheSameEverywhere) {
  for (const char* command : {"render", "panorama", "stream", "layout new", "bench", "eval-default"}) {
    const CliRun help = run_cli(std::string(command) + " --help");
    EXPECT_TRUE(contains(help.output, "-m,--model")) << command << "\n" << help.output;
  }
  for (const char* command :
       {"render", "panorama", "stream", "layout new", "make-dataset", "eval-default", "train-default"}) {
    const CliRun help = run_cli(std::string(command) + " --help");
    EXPECT_TRUE(contains(help.output, "-s,--seed")) << command << "\n" << help.output;
  }
  for (const char* command : {"render", "panorama", "layout new"}) {
    const CliRun help = run_cli(std::string(command) + " --help");
    EXPECT_TRUE(contains(help.output, "-n,--negative")) << command << "\n" << help.output;
  }
  EXPECT_FALSE(contains(run_cli("stream --help").output, "-n,")) << "stream has no negative prompt";
}

TEST(UsageE2E, ShortFlagsRender) {
  test::TempDir dir;
  const CliRun r =
      run_cli("render -m " + shell_word(test::fixtures_dir() / "tiny-sd15") +
              " -p 'a red house' -n blurry -s 7 --sampler lcm --steps 1 -g 1 -W 64 -H 64 --device cpu -o " +
              shell_word(dir / "x.png"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "seed 7")) << r.output;
}

TEST(UsageE2E, SamplersAreOneVocabulary) {
  const CliRun render_help = run_cli("render --help");
  EXPECT_TRUE(contains(render_help.output, "lcm, lcm_stream, ddim, euler, euler_a")) << render_help.output;
  const CliRun layout_help = run_cli("layout new --help");
  EXPECT_TRUE(contains(layout_help.output, "lcm, lcm_stream")) << layout_help.output;
  test::TempDir dir;
  // lcm_stream is the stream's fixed schedule: layouts only, said before any model loads.
  const CliRun text =
      run_cli("render -p x --sampler lcm_stream -m /no/such/model -o " + shell_word(dir / "x.png"));
  EXPECT_EQ(text.status, 1) << text.output;
  EXPECT_TRUE(contains(text.output, "lcm_stream (StreamMultiDiffusion's 5-step schedule) is for layouts"))
      << text.output;
  // A layout made with the old name is written with the new one; an unknown name lists the known ones.
  const CliRun made =
      run_cli("layout new " + shell_word(dir / "a.json") + " -W 64 -H 64 --sampler smd --steps 5 --guidance 1.25 "
              "--bootstrap-steps 0");
  ASSERT_EQ(made.status, 0) << made.output;
  const CliRun shown = run_cli("layout show " + shell_word(dir / "a.json"));
  EXPECT_TRUE(contains(shown.output, "sampler lcm_stream")) << shown.output;
  EXPECT_TRUE(contains(shown.output, "guidance 1.25, bootstrapping 0 steps")) << shown.output;
  const CliRun negative = run_cli("layout new " + shell_word(dir / "c.json") + " -W 64 -H 64 --bootstrap-steps -1");
  EXPECT_EQ(negative.status, 1) << negative.output;
  EXPECT_TRUE(contains(negative.output, "bootstrap_steps -1 must be in [0, 1000]")) << negative.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "c.json"));
  const CliRun bad = run_cli("layout new " + shell_word(dir / "b.json") + " --sampler dpm");
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_TRUE(
      contains(bad.output, "--sampler: unknown sampler 'dpm' (known: lcm, lcm_stream, ddim, euler, euler_a)"))
      << bad.output;
}

TEST(UsageE2E, FolderThatIsNotAModelIsNamedPlainly) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "pictures");
  std::ofstream(dir / "pictures" / "cat.png") << "x";
  const CliRun r = run_cli("info " + shell_word(dir / "pictures"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(
      contains(r.output, "no model_index.json and no .safetensors here: not a diffusers model folder"))
      << r.output;
  EXPECT_FALSE(contains(r.output, "cannot open config file")) << r.output;
}

}  // namespace
}  // namespace palette
