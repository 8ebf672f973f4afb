#include "app/memory_fallback.h"

#include <gtest/gtest.h>

namespace palette::app {
namespace {

TEST(MemoryFallback, RecognisesOutOfMemoryMessages) {
  EXPECT_TRUE(is_out_of_memory("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total)"));
  EXPECT_TRUE(is_out_of_memory("CUDA error: out of memory"));
  EXPECT_TRUE(is_out_of_memory("std::bad_alloc"));
  EXPECT_FALSE(is_out_of_memory("layers[2].mask: 0 x 5 is empty"));
}

TEST(MemoryFallback, HalvedSidesStayValidCanvasSides) {
  EXPECT_EQ(halve_side(512), 256);
  EXPECT_EQ(halve_side(200), 96);  // 100 rounded down to a multiple of 8
  EXPECT_EQ(halve_side(120), 64);  // never below the engine's smallest side
  EXPECT_EQ(halve_side(64), 64);
  EXPECT_EQ(scaled_size(1024, 768, 2), std::make_pair(256, 192));
  EXPECT_EQ(scaled_size(1024, 768, 0), std::make_pair(1024, 768));
}

TEST(MemoryFallback, ShrinksAtMostThreeTimesAndSaysSo) {
  int halvings = 0;
  EXPECT_EQ(shrink_after_oom("bad prompt", halvings), std::nullopt);
  EXPECT_EQ(halvings, 0);
  auto notice = shrink_after_oom("CUDA out of memory", halvings);
  ASSERT_TRUE(notice);
  EXPECT_NE(notice->find("1/2"), std::string::npos) << *notice;
  EXPECT_TRUE(shrink_after_oom("CUDA out of memory", halvings));
  EXPECT_TRUE(shrink_after_oom("CUDA out of memory", halvings));
  EXPECT_EQ(halvings, kMaxStreamHalvings);
  EXPECT_EQ(shrink_after_oom("CUDA out of memory", halvings), std::nullopt);  // now it is an error
}

}  // namespace
}  // namespace palette::app
