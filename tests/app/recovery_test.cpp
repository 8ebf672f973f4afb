#include "app/recovery.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "palette/document_file.h"
#include "support/temp_dir.h"

namespace palette::app {
namespace {

TEST(AutosaveTimer, WritesAfterAnIntervalOfUnsavedChanges) {
  AutosaveTimer t(60);
  EXPECT_FALSE(t.due(0, false, 1, 5)) << "nothing unsaved";
  EXPECT_FALSE(t.due(100, false, 1, 5));
  EXPECT_FALSE(t.due(100, true, 1, 6)) << "the interval starts at the first unsaved change";
  EXPECT_FALSE(t.due(159, true, 1, 9));
  EXPECT_TRUE(t.due(160, true, 1, 9));
  t.written(1, 9);
  EXPECT_FALSE(t.due(500, true, 1, 9)) << "the recovery file holds this state";
  EXPECT_FALSE(t.due(501, true, 1, 10));
  EXPECT_TRUE(t.due(561, true, 1, 11));
  EXPECT_FALSE(t.due(600, false, 1, 11)) << "saved: nothing pending";
  EXPECT_FALSE(t.due(601, true, 2, 9)) << "another document: a new interval";
  EXPECT_TRUE(t.due(661, true, 2, 9));
  t.retry_later(661);
  EXPECT_FALSE(t.due(700, true, 2, 9)) << "after a failed write";
  EXPECT_TRUE(t.due(721, true, 2, 9));
}

Document painted(int layers) {
  Document d(64, 64);
  for (int i = 0; i < layers; ++i) {
    LayerProperties p;
    p.name = "l" + std::to_string(i);
    p.color = {10, 20, static_cast<uint8_t>(30 + i)};
    const LayerId id = d.add_layer(p);
    FillOptions fill;
    fill.region = FillRegion::Canvas;
    d.flood_fill(id, 1, 1, fill);
  }
  return d;
}

// A process that has ended: a child that exits at once, reaped.
long dead_pid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

TEST(RecoveryStore, AnEndedSessionsFileIsOfferedWithItsOriginal) {
  test::TempDir dir;
  const long pid = dead_pid();
  RecoveryStore crashed(dir / "recovery", pid);
  const Document doc = painted(2);
  crashed.write(*doc.snapshot(), "/art/lake.json");
  EXPECT_EQ(crashed.own_file().filename(), "session-" + std::to_string(pid) + ".layout.json");

  RecoveryStore next(dir / "recovery", 1);  // pid 1 is never a killed session
  const auto orphan = next.orphan();
  ASSERT_TRUE(orphan);
  EXPECT_EQ(orphan->path, crashed.own_file());
  auto [restored, original] = RecoveryStore::load(*orphan);
  EXPECT_EQ(original, "/art/lake.json");
  EXPECT_TRUE(same_content(restored.content(), doc.content())) << "the recorded original is taken out again";
  std::ofstream(crashed.own_file().string() + ".tmp-" + std::to_string(pid) + "-1") << "half a file";
  next.discard(*orphan);
  EXPECT_FALSE(next.orphan());
  EXPECT_TRUE(std::filesystem::is_empty(dir / "recovery")) << "a temporary of the killed write stays behind";
}

TEST(RecoveryStore, ALiveSessionsFileAndOnesBeforeACleanExitAreNotOffered) {
  test::TempDir dir;
  RecoveryStore running(dir / "recovery", static_cast<long>(getppid()));  // a process that is alive
  running.write(*painted(1).snapshot(), "");
  RecoveryStore me(dir / "recovery", 1);
  EXPECT_FALSE(me.orphan()) << "another window still open";

  RecoveryStore crashed(dir / "recovery", dead_pid());
  crashed.write(*painted(1).snapshot(), "");
  ASSERT_TRUE(me.orphan());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // file times of a coarse file system
  me.mark_clean_exit();
  EXPECT_FALSE(me.orphan()) << "older than the last clean exit";
  EXPECT_TRUE(std::filesystem::exists(dir / "recovery/clean-exit"));
}

TEST(RecoveryStore, OwnFileGoesOnSaveAndCleanExitNeverTheUsersFile) {
  test::TempDir dir;
  std::ofstream(dir / "lake.json") << "the user's file";
  RecoveryStore store(dir / "recovery", 4242);
  store.write(*painted(1).snapshot(), dir / "lake.json");
  EXPECT_TRUE(std::filesystem::exists(store.own_file()));
  EXPECT_EQ(store.own_file().parent_path(), dir / "recovery");
  store.remove_own();
  EXPECT_FALSE(std::filesystem::exists(store.own_file()));
  std::ifstream user(dir / "lake.json");
  std::string text;
  std::getline(user, text);
  EXPECT_EQ(text, "the user's file");
}

TEST(RecoveryStore, DefaultFolderIsBesideTheConfig) {
  const char* old = std::getenv("XDG_CONFIG_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CONFIG_HOME", "/tmp/cfg", 1);
  EXPECT_EQ(RecoveryStore::default_folder(), std::filesystem::path("/tmp/cfg/semantic-palette/recovery"));
  if (old)
    setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CONFIG_HOME");
}

}  // namespace
}  // namespace palette::app
