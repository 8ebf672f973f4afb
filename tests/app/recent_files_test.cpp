#include "app/recent_files.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/fifo.h"
#include "support/temp_dir.h"

namespace palette::app {
namespace {

TEST(RecentFiles, NewestFirstWithoutDuplicates) {
  RecentFiles r;
  r.add("/a.json");
  r.add("/b.json");
  r.add("/a.json");
  ASSERT_EQ(r.entries().size(), 2u);
  EXPECT_EQ(r.entries()[0], "/a.json");
  EXPECT_EQ(r.entries()[1], "/b.json");
}

TEST(RecentFiles, KeepsAtMostTen) {
  RecentFiles r;
  for (int i = 0; i < 15; ++i) r.add("/f" + std::to_string(i) + ".json");
  ASSERT_EQ(r.entries().size(), RecentFiles::kMaxEntries);
  EXPECT_EQ(r.entries().front(), "/f14.json");
  EXPECT_EQ(r.entries().back(), "/f5.json");
}

TEST(RecentFiles, RelativePathsBecomeAbsolute) {
  RecentFiles r;
  r.add("some/./file.json");
  EXPECT_EQ(r.entries()[0], (std::filesystem::current_path() / "some/file.json").string());
}

TEST(RecentFiles, SurvivesASaveAndLoad) {
  test::TempDir dir;
  const auto store = dir / "config/semantic-palette/recent.json";
  RecentFiles a(store);
  a.add("/x.json");
  a.add("/y.json");
  ASSERT_TRUE(a.save());
  RecentFiles b(store);
  b.load();
  EXPECT_EQ(b.entries(), a.entries());
}

TEST(RecentFiles, BrokenStoreGivesAnEmptyList) {
  test::TempDir dir;
  test::write_raw(dir / "recent.json", "{\"recent\": [1, \"/ok.json\", ");
  RecentFiles r(dir / "recent.json");
  r.load();
  EXPECT_TRUE(r.entries().empty());
  test::write_raw(dir / "recent.json", "{\"recent\": [1, \"/ok.json\", null]}");
  r.load();
  ASSERT_EQ(r.entries().size(), 1u);  // wrong items are skipped, good ones kept
  EXPECT_EQ(r.entries()[0], "/ok.json");
}

TEST(RecentFiles, AStoreThatIsNoFileGivesAnEmptyListAtOnce) {
  test::TempDir dir;
  const test::GuardedFifo fifo(dir / "recent.json");  // opening it for reading would block
  RecentFiles r(fifo.path());
  r.load();
  EXPECT_TRUE(r.entries().empty());
  EXPECT_FALSE(fifo.reader_was_unblocked());
  test::write_raw(dir / "dup.json", "{\"recent\": [\"/a.json\"], \"recent\": [\"/b.json\"]}");
  RecentFiles d(dir / "dup.json");
  d.load();
  EXPECT_TRUE(d.entries().empty());
}

TEST(RecentFiles, UnwritableStoreIsReportedNotThrown) {
  test::TempDir dir;
  test::write_raw(dir / "file", "x");
  RecentFiles r(dir / "file" / "sub" / "recent.json");  // a folder inside a file cannot exist
  r.add("/a.json");
  EXPECT_FALSE(r.save());
}

TEST(RecentFiles, StoreFollowsXdgConfigHome) {
  const char* old = std::getenv("XDG_CONFIG_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CONFIG_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(RecentFiles::default_store(),
            std::filesystem::path("/tmp/xdg-test/semantic-palette/recent.json"));
  if (old)
    setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CONFIG_HOME");
}

}  // namespace
}  // namespace palette::app
