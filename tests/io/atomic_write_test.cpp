// A failed save never damages the file it would have replaced and leaves no temporary behind.
#include <gtest/gtest.h>

#include <string>

#include "io/atomic_write.h"
#include "palette/error.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

TEST(AtomicWrite, FailureMidWriteKeepsOldContents) {
  test::TempDir dir;
  const auto path = dir / "doc.json";
  test::write_raw(path, "old contents");
  EXPECT_THROW(write_file_atomically(path,
                                     [&](std::FILE* out) {
                                       write_bytes(out, "half-writ", 9, path);
                                       throw Error("simulated crash");
                                     }),
               Error);
  EXPECT_EQ(test::read_raw(path), "old contents");
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(AtomicWrite, SuccessReplacesContents) {
  test::TempDir dir;
  const auto path = dir / "doc.json";
  test::write_raw(path, "old");
  write_file_atomically(path, [&](std::FILE* out) { write_bytes(out, "new!", 4, path); });
  EXPECT_EQ(test::read_raw(path), "new!");
}

}  // namespace
}  // namespace palette
