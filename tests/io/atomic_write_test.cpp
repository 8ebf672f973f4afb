// A failed save never damages the file it would have replaced and leaves no temporary behind.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/atomic_write.h"
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

void save(const std::filesystem::path& path, const std::string& text) {
  write_file_atomically(path, [&](std::FILE* out) { write_bytes(out, text.data(), text.size(), path); });
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicWrite, StaleTemporariesOfDeadProcessesAreRemoved) {
  test::TempDir dir;
  // A process id that is surely gone: a child that has exited and been reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  const std::string dead = std::to_string(child);
  test::write_raw(dir / ("doc.json.tmp-" + dead + "-0"), "half");
  test::write_raw(dir / ("doc.json.tmp-" + dead + "-7"), "half");
  test::write_raw(dir / ("doc.json.tmp-" + std::to_string(::getppid()) + "-1"), "a live process's");
  test::write_raw(dir / ("other.json.tmp-" + dead + "-0"), "another target's");
  test::write_raw(dir / "doc.json.tmp-notes", "not ours");
  save(dir / "doc.json", "new");
  EXPECT_EQ(names_in(dir.path()),
            (std::vector<std::string>{"doc.json", "doc.json.tmp-" + std::to_string(::getppid()) + "-1",
                                      "doc.json.tmp-notes", "other.json.tmp-" + dead + "-0"}));
}

TEST(AtomicWrite, OverwritingKeepsThePermissions) {
  test::TempDir dir;
  const auto path = dir / "secret.json";
  test::write_raw(path, "old");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  save(path, "new");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(test::read_raw(path), "new");
}

TEST(AtomicWrite, ASymbolicLinkIsFollowedAndStaysALink) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "real");
  test::write_raw(dir / "real" / "doc.json", "old");
  std::filesystem::create_symlink("real/doc.json", dir / "link.json");
  save(dir / "link.json", "new");
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "link.json"));
  EXPECT_EQ(test::read_raw(dir / "real" / "doc.json"), "new");
  EXPECT_EQ(names_in(dir / "real"), std::vector<std::string>{"doc.json"});
  // A link to a file not made yet makes it where the link points.
  std::filesystem::create_symlink("real/later.json", dir / "later.json");
  save(dir / "later.json", "made");
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "later.json"));
  EXPECT_EQ(test::read_raw(dir / "real" / "later.json"), "made");
}

TEST(AtomicWrite, HardLinksKeepSharingTheContents) {
  test::TempDir dir;
  test::write_raw(dir / "a.json", "old");
  std::filesystem::create_hard_link(dir / "a.json", dir / "b.json");
  save(dir / "a.json", "new contents");
  EXPECT_EQ(test::read_raw(dir / "b.json"), "new contents");
  EXPECT_EQ(std::filesystem::hard_link_count(dir / "a.json"), 2u);
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"a.json", "b.json"}));
}

TEST(AtomicWrite, AFolderIsNotOverwritten) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "out.png");
  try {
    save(dir / "out.png", "x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_directory(dir / "out.png"));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"out.png"});
}

}  // namespace
}  // namespace palette
