// Inputs a careful tester hands the CLI to break it (issue 20's models, numbers and text): each must
// end in one clear message naming the flag, field or file, a non-zero exit status and no file written.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "palette/image.h"
#include "palette/safetensors.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::contains;
using test::shell_word;
using test::run_cli;

std::string tiny_model() { return shell_word(test::fixtures_dir() / "tiny-sd15"); }

// The smallest render of the tiny fixture: 64×64, one LCM step, on the CPU.
std::string render_args(const fs::path& out, const std::string& extra, const std::string& guidance = "1",
                        const std::string& prompt = "'a red house'") {
  return "render --model " + tiny_model() + " -p " + prompt + " --sampler lcm --steps 1 -g " + guidance + " -W 64 -H 64 " +
         "--device cpu -o " + shell_word(out) + " " + extra;
}

void expect_refused(const CliRun& r, const std::string& message) {
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "palette: error: " + message)) << r.output;
  EXPECT_FALSE(contains(r.output, "internal error")) << r.output;
}

TEST(HardeningE2E, SeedMinusOneIsRandomAndPrinted) {
  test::TempDir dir;
  const CliRun r = run_cli(render_args(dir / "r.png", "--seed -1"));
  ASSERT_EQ(r.status, 0) << r.output;
  std::smatch seed;
  ASSERT_TRUE(std::regex_search(r.output, seed, std::regex("seed (\\d+)\\n"))) << r.output;
  EXPECT_NE(seed[1].str(), "18446744073709551615") << "-1 wrapped around instead of meaning 'random'";
  EXPECT_TRUE(contains(read_png_text(dir / "r.png").at("parameters"), seed[1].str())) << "the printed seed was used";
  const CliRun largest = run_cli(render_args(dir / "l.png", "--seed 18446744073709551615"));
  EXPECT_EQ(largest.status, 0) << largest.output;
  EXPECT_TRUE(contains(largest.output, "seed 18446744073709551615")) << largest.output;
}

TEST(HardeningE2E, SeedsOutsideTheRangeAreRefused) {
  test::TempDir dir;
  const std::string expected = "is not a seed: expected a whole number in 0 … 18446744073709551615";
  for (const std::string seed : {"1180591620717411303424", "-2", "1e3", "12abc", "' 5'"}) {
    const CliRun r = run_cli(render_args(dir / "x.png", "--seed " + seed));
    expect_refused(r, "--seed '");
    EXPECT_TRUE(contains(r.output, expected)) << r.output;
  }
  expect_refused(run_cli("panorama --model " + tiny_model() + " -p 'a sea' --method tiled -W 128 -H 64 --seed -5 -o " +
                         shell_word(dir / "x.png")),
                 "--seed '-5' is not a seed");
  expect_refused(run_cli("layout new " + shell_word(dir / "x.layout.json") + " -W 64 -H 64 --seed 99999999999999999999"),
                 "--seed '99999999999999999999' is not a seed");
  const CliRun world = run_cli("make-dataset --seed -1 --count 1 --size 16 -o " + shell_word(dir / "data"));
  EXPECT_NE(world.status, 0) << world.output;
  EXPECT_TRUE(contains(world.output, "'-1' is not a seed")) << world.output;
  EXPECT_TRUE(fs::is_empty(dir.path())) << "nothing is written";
}

TEST(HardeningE2E, GuidanceMustBeFiniteAndSane) {
  test::TempDir dir;
  for (const std::string g : {"1e308", "nan", "inf", "-1", "101"}) {
    const CliRun r = run_cli(render_args(dir / "x.png", "", g));
    expect_refused(r, "guidance ");
    EXPECT_TRUE(contains(r.output, "must be a finite number in [0, 100]")) << r.output;
  }
  EXPECT_FALSE(fs::exists(dir / "x.png"));
  for (const std::string g : {"nan", "-1", "101"})
    expect_refused(run_cli("bench -w live --device cpu --live-guidance " + g), "--live-guidance ");
  expect_refused(run_cli("bench -w live --device cpu --live-guidance -1"),
                 "--live-guidance -1 must be a finite number in [0, 100]");
  expect_refused(run_cli("bench -w churn --device cpu --churn-edits stroke,paint"),
                 "--churn-edits: unknown edit 'paint' (stroke, prompt, layers, modes, checks)");
  expect_refused(run_cli("bench -w churn --device cpu --churn-seconds 0.5"), "--churn-seconds 0.5 must be in [1, 3600]");
  expect_refused(run_cli("bench -w churn --device cpu --churn-check-seconds 0"), "--churn-check-seconds 0 must be in [1, 600]");
  expect_refused(run_cli("eval-default --count 1 --size 64 --bootstrap-steps 1001"),
                 "--bootstrap-steps 1001 must be in [0, 1000]");
  expect_refused(run_cli("eval-default --count 1 --size 64 --border 17"), "--border 17 must be in [0, 16] (pixels)");
}

TEST(HardeningE2E, NonUtf8PromptIsRefusedBeforeRendering) {
  test::TempDir dir;
  const std::string bad = "\"$(printf 'a \\377 house')\"";
  expect_refused(run_cli(render_args(dir / "x.png", "", "1", bad)), "--prompt: not valid UTF-8 at byte 2 (0xff)");
  expect_refused(run_cli(render_args(dir / "x.png", "-n " + bad, "2")), "--negative: not valid UTF-8 at byte 2 (0xff)");
  const CliRun layout = run_cli("layout new " + shell_word(dir / "x.layout.json") + " -W 64 -H 64 -l \"sky:#4080ff:$(printf 'a \\300\\257')\"");
  EXPECT_EQ(layout.status, 1) << layout.output;
  EXPECT_TRUE(contains(layout.output, "prompt: not valid UTF-8 at byte 2 (0xc0)")) << layout.output;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(HardeningE2E, PickleCheckpointIsNamed) {
  test::TempDir dir;
  test::write_raw(dir / "zipped.ckpt", std::string("PK\x03\x04\x14\x00\x00\x00", 8) + std::string(200, 'x'));
  test::write_raw(dir / "raw.ckpt", std::string("\x80\x02}q\x00(X\x05\x00\x00\x00", 12) + std::string(200, 'x'));
  for (const char* name : {"zipped.ckpt", "raw.ckpt"}) {
    const CliRun r = run_cli("info " + shell_word(dir / name));
    expect_refused(r, "'" + (dir / name).string() + "': this is a PyTorch pickle checkpoint");
    EXPECT_TRUE(contains(r.output, "convert it to .safetensors")) << r.output;
    EXPECT_FALSE(contains(r.output, "header length")) << r.output;
  }
  // Another format whose first bytes read as a header length beyond the end.
  test::write_raw(dir / "other.safetensors", std::string("\xff\xd8\xff\xe0 JFIF", 10) + std::string(100, 'x'));
  expect_refused(run_cli("inspect " + shell_word(dir / "other.safetensors")), "'" + (dir / "other.safetensors").string() +
                                                                            "': not a safetensors file");
}

TEST(HardeningE2E, InspectEscapesControlCharacters) {
  test::TempDir dir;
  save_safetensors(dir / "m.safetensors", {{"conv\x1b[2Jname", torch::zeros({2})}},
                   {{"title", "\x1b]0;owned\x07 \xc2\x9b" "31m red \x7f"}});
  for (const std::string json : {"", " --json"}) {
    const CliRun r = run_cli("inspect " + shell_word(dir / "m.safetensors") + json);
    EXPECT_EQ(r.status, 0) << r.output;
    for (const char* raw : {"\x1b", "\x07", "\x7f", "\xc2\x9b"}) EXPECT_FALSE(contains(r.output, raw)) << json;
  }
  const CliRun table = run_cli("inspect " + shell_word(dir / "m.safetensors"));
  EXPECT_TRUE(contains(table.output, "conv\\x1b[2Jname")) << table.output;
  EXPECT_TRUE(contains(table.output, "title = \\x1b]0;owned\\x07 \\u009b31m red \\x7f")) << table.output;
}

TEST(HardeningE2E, LoraScaleMustBeFinite) {
  test::TempDir dir;
  save_safetensors(dir / "lora.safetensors", {{"lora_unet_conv_out.lora_up.weight", torch::ones({4, 1, 1, 1})},
                                              {"lora_unet_conv_out.lora_down.weight", torch::ones({1, 32, 3, 3})}});
  for (const std::string scale : {"nan", "inf", "1e308"}) {
    const CliRun r = run_cli(render_args(dir / "x.png", "--lora " + shell_word((dir / "lora.safetensors").string() + ":" + scale)));
    expect_refused(r, "'" + (dir / "lora.safetensors").string() + "': LoRA scale ");
    EXPECT_TRUE(contains(r.output, "must be a finite number in [-10, 10]")) << r.output;
  }
  EXPECT_FALSE(fs::exists(dir / "x.png"));
}

TEST(HardeningE2E, HugeConfigIsRefusedWithinAGigabyte) {
  test::TempDir dir;
  fs::copy(test::fixtures_dir() / "tiny-sd15", dir / "m", fs::copy_options::recursive);
  std::ifstream in(dir / "m" / "unet" / "config.json");
  nlohmann::json config = nlohmann::json::parse(in);
  config["layers_per_block"] = 100000;
  std::ofstream(dir / "m" / "unet" / "config.json") << config.dump();
  // Address space capped at 1.5 GB (LibTorch itself maps some; the refusal peaks at 190 MB resident):
  // building this network took 9 GB before.
  const CliRun r = run_cli("info " + shell_word(dir / "m"), "ulimit -v 1500000;");
  expect_refused(r, "'" + (dir / "m" / "unet" / "config.json").string() + "': \"layers_per_block\" is 100000, expected 1…8");
}

}  // namespace
}  // namespace palette
