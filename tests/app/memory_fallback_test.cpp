#include "app/memory_fallback.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace palette::app
