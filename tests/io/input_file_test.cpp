// Files that are not regular files are refused before they are opened (a FIFO would block the
// open for ever), and files over their limit before they are read.
#include <gtest/gtest.h>

#include <fstream>

#include "io/json_config.h"
#include "palette/error.h"
#include "palette/image.h"
#include "palette/input_file.h"
#include "palette/safetensors.h"
#include "support/error_of.h"
#include "support/fifo.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

namespace fs = std::filesystem;
using test::error_of;

TEST(InputFile, RefusesAFifoUnopened) {
  test::TempDir dir;
  const test::GuardedFifo fifo(dir / "pipe");
  EXPECT_EQ(error_of([&] { read_input_file(fifo.path(), "a layout file", 1 << 20); }),
            "'" + fifo.path().string() + "': a FIFO (named pipe), not a regular file (expected a layout file)");
  EXPECT_FALSE(fifo.reader_was_unblocked());
}

TEST(InputFile, RefusesFoldersAndDevices) {
  test::TempDir dir;
  EXPECT_EQ(error_of([&] { read_input_file(dir.path(), "an image file", 1 << 20); }),
            "'" + dir.path().string() + "': a folder, not a regular file (expected an image file)");
  EXPECT_EQ(error_of([&] { read_input_file("/dev/zero", "an image file", 1 << 20); }),
            "'/dev/zero': a character device, not a regular file (expected an image file)");
  EXPECT_EQ(error_of([&] { read_input_file(dir / "none", "an image file", 1 << 20); }),
            "'" + (dir / "none").string() + "': no such file");
}

TEST(InputFile, FollowsSymbolicLinksToRegularFiles) {
  test::TempDir dir;
  test::write_raw(dir / "a.txt", "hello");
  fs::create_symlink(dir / "a.txt", dir / "link.txt");
  EXPECT_EQ(read_input_file(dir / "link.txt", "a text file", 5), "hello");
}

TEST(InputFile, RefusesAFileOverItsLimitBeforeReading) {
  test::TempDir dir;
  test::write_raw(dir / "big", "x");
  fs::resize_file(dir / "big", 3ull << 30);  // sparse: costs no disk
  EXPECT_EQ(error_of([&] { read_input_file(dir / "big", "a JSON file", 1 << 20, "why"); }),
            "'" + (dir / "big").string() + "': 3221225472 bytes is above the limit of 1048576 for a JSON file (why)");
}

// Every reader of user files goes through the check: weights, pictures, configs.
TEST(InputFile, EveryReaderRefusesAFifo) {
  test::TempDir dir;
  const test::GuardedFifo fifo(dir / "pipe");
  const std::string not_regular = "a FIFO (named pipe), not a regular file";
  EXPECT_NE(error_of([&] { SafetensorsFile::open(fifo.path()); }).find(not_regular), std::string::npos);
  EXPECT_NE(error_of([&] { read_image(fifo.path()); }).find(not_regular), std::string::npos);
  EXPECT_NE(error_of([&] { read_png_text(fifo.path()); }).find(not_regular), std::string::npos);
  EXPECT_NE(error_of([&] { JsonConfig::load(fifo.path()); }).find(not_regular), std::string::npos);
  EXPECT_FALSE(fifo.reader_was_unblocked());
}

TEST(InputFile, ModelWeightsInAFolderAreNotRead) {
  test::TempDir dir;
  fs::create_directories(dir / "w.safetensors");
  EXPECT_EQ(error_of([&] { SafetensorsFile::open(dir / "w.safetensors"); }),
            "'" + (dir / "w.safetensors").string() +
                "': a folder, not a regular file (expected a weights file (.safetensors))");
}

}  // namespace
}  // namespace palette
