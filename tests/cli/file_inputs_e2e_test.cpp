// Files a careful tester hands the CLI where files are expected (issue 20's FIFOs, folders, bombs)
// and outputs it cannot write: each ends in one message naming the flag or file, exit status 1,
// before any model is loaded or any picture rendered, and nothing is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "palette/image.h"
#include "support/cli_runner.h"
#include "support/fifo.h"
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

void expect_refused(const CliRun& r, const std::string& message) {
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "palette: error: " + message)) << r.output;
  EXPECT_FALSE(contains(r.output, "internal error")) << r.output;
}

// A 64×64 layout with one layer painted on its left half.
fs::path make_layout(const test::TempDir& dir) {
  Image mask{64, 64, 1, std::vector<uint8_t>(64 * 64, 0)};
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 32; ++x) mask.pixels[size_t(y) * 64 + x] = 255;
  write_png(dir / "mask.png", mask);
  const CliRun made = run_cli("layout new " + shell_word(dir / "l.json") + " -W 64 -H 64 --steps 1 -l 'a:#3080ff:a tree:" +
                              (dir / "mask.png").string() + "'");
  EXPECT_EQ(made.status, 0) << made.output;
  return dir / "l.json";
}

TEST(FileInputsE2E, FifosWhereFilesAreExpectedAreRefusedUnopened) {
  test::TempDir dir;
  const fs::path layout = make_layout(dir);
  const test::GuardedFifo fifo(dir / "pipe.png");
  const std::string not_regular = "': a FIFO (named pipe), not a regular file";
  expect_refused(run_cli("render --layout " + shell_word(layout) + " --model " + tiny_model() + " --background " +
                         shell_word(fifo.path()) + " --device cpu -o " + shell_word(dir / "x.png")),
                 "'" + fifo.path().string() + not_regular + " (expected an image file)");
  expect_refused(run_cli("layout new " + shell_word(dir / "n.json") + " -W 64 -H 64 -l 'a:#3080ff:a tree:" +
                         fifo.path().string() + "'"),
                 "'" + fifo.path().string() + not_regular);
  expect_refused(run_cli("layout show " + shell_word(fifo.path())), "'" + fifo.path().string() + not_regular);
  expect_refused(run_cli("render --model " + shell_word(fifo.path()) + " -p x -W 64 -H 64 --device cpu -o " +
                         shell_word(dir / "x.png")),
                 "'" + fifo.path().string() + not_regular);
  expect_refused(run_cli("inspect " + shell_word(fifo.path())), "'" + fifo.path().string() + not_regular);
  EXPECT_FALSE(fifo.reader_was_unblocked());
  EXPECT_FALSE(fs::exists(dir / "x.png"));
  EXPECT_FALSE(fs::exists(dir / "n.json"));
}

TEST(FileInputsE2E, AMaskBombIsRefusedWithinAGigabyte) {
  test::TempDir dir;
  const fs::path layout = make_layout(dir);
  // 8192² zeros (64 MiB inflated) under a header claiming the canvas' 64×64; memory capped, so
  // inflating it all (as stb did) would fail differently.
  std::string bomb;
  {
    write_png(dir / "zeros.png", Image{8192, 8192, 1, std::vector<uint8_t>(8192 * 8192, 0)});
    bomb = test::read_raw(dir / "zeros.png");
    const char header[8] = {0, 0, 0, 64, 0, 0, 0, 64};
    std::copy(header, header + 8, bomb.begin() + 16);
  }
  test::write_raw(dir / "mask.png", bomb);
  const CliRun r = run_cli("layout new " + shell_word(dir / "b.json") + " -W 64 -H 64 -l 'a:#3080ff:a tree:" +
                               (dir / "mask.png").string() + "'",
                           "ulimit -v 3000000;");
  expect_refused(r, "'" + (dir / "mask.png").string() +
                        "': PNG image data is corrupt or inflates to more than the 4160 bytes its 64×64 header implies");
  EXPECT_FALSE(fs::exists(dir / "b.json"));
  (void)layout;
}

TEST(FileInputsE2E, OutputsAreCheckedBeforeRendering) {
  test::TempDir dir;
  const fs::path layout = make_layout(dir);
  fs::create_directories(dir / "folder.png");
  const std::string model = " --model " + tiny_model() + " --device cpu ";
  expect_refused(run_cli("render -p x -W 64 -H 64 --steps 1" + model + "-o " + shell_word(dir / "folder.png")),
                 "-o: '" + (dir / "folder.png").string() + "' is a folder; give the name of the .png file to write");
  expect_refused(run_cli("render --layout " + shell_word(layout) + model + "-o " + shell_word(dir / "folder.png")),
                 "-o: '" + (dir / "folder.png").string() + "' is a folder");
  expect_refused(run_cli("panorama -p x --method tiled -W 128 -H 64 --steps 1" + model + "-o " +
                         shell_word(dir / "folder.png")),
                 "-o: '" + (dir / "folder.png").string() + "' is a folder");
  // /proc takes no new files, not even from root (whom permission bits do not stop).
  expect_refused(run_cli("render -p x -W 64 -H 64 --steps 1" + model + "-o /proc/x.png"),
                 "-o: folder '/proc' is not writable");
  test::write_raw(dir / "existing.png", "keep me");
  expect_refused(run_cli("stream --layout " + shell_word(layout) + " --frames 1" + model + "-o " +
                         shell_word(dir / "existing.png")),
                 "-o: '" + (dir / "existing.png").string() + "' exists and is not a folder");
  EXPECT_EQ(test::read_raw(dir / "existing.png"), "keep me");
  const CliRun r = run_cli("stream --layout " + shell_word(layout) + " --frames 1" + model + "-o /proc/frames");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "palette: error: -o: ")) << r.output;
  EXPECT_FALSE(contains(r.output, "seed ")) << r.output;  // refused before the model was loaded
}

}  // namespace
}  // namespace palette
