#include "app/memory_fallback.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace palette::app {
namespace {

TEST(MemoryFallback, DecidesOnTheKindNotTheMessage) {
  EXPECT_TRUE(load_on_cpu_instead(ErrorKind::OutOfMemory, /*on_gpu=*/true));
  EXPECT_FALSE(load_on_cpu_instead(ErrorKind::OutOfMemory, /*on_gpu=*/false));  // already on the CPU
  EXPECT_FALSE(load_on_cpu_instead(ErrorKind::BadInput, true));
  EXPECT_EQ(export_failure(ErrorKind::OutOfMemory, "CUDA out of memory"),
            "export failed: CUDA out of memory (try the CPU: --device cpu)");
  // A message that merely mentions memory is no out-of-memory.
  EXPECT_EQ(export_failure(ErrorKind::BadInput, "prompt 'out of memory' is too long"),
            "export failed: prompt 'out of memory' is too long");
  EXPECT_EQ(export_failure(ErrorKind::Cancelled, "cancelled"), "export cancelled");
  int halvings = 0;
  EXPECT_EQ(shrink_after_oom(ErrorKind::BadInput, halvings), std::nullopt);
  EXPECT_EQ(shrink_after_oom(ErrorKind::Cancelled, halvings), std::nullopt);
  EXPECT_EQ(halvings, 0);
}

TEST(MemoryFallback, ShrinksAtMostThreeTimesAndSaysSo) {
  int halvings = 0;
  EXPECT_EQ(shrink_after_oom(ErrorKind::BadInput, halvings), std::nullopt);
  EXPECT_EQ(halvings, 0);
  auto notice = shrink_after_oom(ErrorKind::OutOfMemory, halvings);
  ASSERT_TRUE(notice);
  EXPECT_NE(notice->find("1/2"), std::string::npos) << *notice;
  EXPECT_TRUE(shrink_after_oom(ErrorKind::OutOfMemory, halvings));
  EXPECT_TRUE(shrink_after_oom(ErrorKind::OutOfMemory, halvings));
  EXPECT_EQ(halvings, kMaxStreamHalvings);
  EXPECT_EQ(shrink_after_oom(ErrorKind::OutOfMemory, halvings), std::nullopt);  // now it is an error
}

// Issue 23's squeeze: another process held the GPU for a minute; the picture fell to 1/8 and stayed there.
TEST(MemoryFallback, TheLivePictureGrowsBackOnceTheMemoryIsFree) {
  LiveSizeFallback size;
  EXPECT_EQ(size.grow_if_due(1000), std::nullopt);  // full size: nothing to grow
  ASSERT_TRUE(size.after_failure(ErrorKind::OutOfMemory, 0));
  ASSERT_TRUE(size.after_failure(ErrorKind::OutOfMemory, 1));
  ASSERT_TRUE(size.after_failure(ErrorKind::OutOfMemory, 2));
  EXPECT_EQ(size.halvings(), 3);
  EXPECT_EQ(size.after_failure(ErrorKind::BadInput, 3), std::nullopt);  // not a memory failure: no change
  // The wait counts from the smaller size's first picture (the new stream first records its graphs).
  EXPECT_EQ(size.grow_if_due(100), std::nullopt) << "no picture at 1/8 yet";
  double now = 100;
  size.picture_shown(now);
  size.picture_shown(now + 5);  // later pictures do not move the start
  EXPECT_EQ(size.grow_if_due(now + LiveSizeFallback::kFirstGrowSeconds - 1), std::nullopt);  // not yet
  now += LiveSizeFallback::kFirstGrowSeconds;
  auto notice = size.grow_if_due(now);
  ASSERT_TRUE(notice);
  EXPECT_NE(notice->find("1/4"), std::string::npos) << *notice;
  EXPECT_EQ(size.grow_if_due(now + 60), std::nullopt) << "the larger size has shown nothing yet";
  // Each try that holds for a while after its first picture brings the next one.
  now += 3;
  size.picture_shown(now);
  EXPECT_EQ(size.grow_if_due(now + LiveSizeFallback::kHeldSeconds - 1), std::nullopt);
  now += LiveSizeFallback::kHeldSeconds;
  ASSERT_TRUE(size.grow_if_due(now));
  size.picture_shown(now);
  now += LiveSizeFallback::kHeldSeconds;
  notice = size.grow_if_due(now);
  ASSERT_TRUE(notice);
  EXPECT_NE(notice->find("full canvas size"), std::string::npos) << *notice;
  EXPECT_EQ(size.halvings(), 0);
  size.picture_shown(now);
  EXPECT_EQ(size.grow_if_due(now + 1000), std::nullopt);
}

TEST(MemoryFallback, AGpuThatStaysFullIsAskedLessAndLessOften) {
  LiveSizeFallback size;
  double now = 0;
  ASSERT_TRUE(size.after_failure(ErrorKind::OutOfMemory, now));
  size.picture_shown(now);
  double expected_wait = LiveSizeFallback::kFirstGrowSeconds;
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(size.grow_if_due(now + expected_wait - 0.5), std::nullopt) << "try " << i;
    now += expected_wait;
    ASSERT_TRUE(size.grow_if_due(now)) << "try " << i;
    EXPECT_EQ(size.halvings(), 0);
    // The larger picture runs out of memory before its first picture (odd tries) or just after it.
    if (i % 2 == 1) size.picture_shown(now + 20);
    now += 25;
    ASSERT_TRUE(size.after_failure(ErrorKind::OutOfMemory, now));
    size.picture_shown(now);
    expected_wait = std::min(2 * expected_wait, LiveSizeFallback::kLongestGrowWait);
    EXPECT_DOUBLE_EQ(size.wait_seconds(), expected_wait) << "try " << i;
  }
  EXPECT_DOUBLE_EQ(size.wait_seconds(), LiveSizeFallback::kLongestGrowWait);
  // Once a try holds, the memory was back: a later squeeze is met with the first wait again.
  now += expected_wait;
  ASSERT_TRUE(size.grow_if_due(now));
  size.picture_shown(now + 1);
  now += 60;
  ASSERT_TRUE(size.after_failure(ErrorKind::OutOfMemory, now));
  EXPECT_DOUBLE_EQ(size.wait_seconds(), LiveSizeFallback::kFirstGrowSeconds);
}

}  // namespace
}  // namespace palette::app
