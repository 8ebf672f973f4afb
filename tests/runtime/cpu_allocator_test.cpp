// configure_cpu_allocator and limit_cpu_allocator_arenas leave a user's own allocator tunables alone and
// otherwise set glibc's. (What the setting buys is a benchmark's question: bench/RESULTS.md.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "palette/cpu_allocator.h"

namespace palette {
namespace {

#ifdef __GLIBC__
TEST(CpuAllocator, KeepsFreedBlocksUnlessTheUserTunedTheAllocator) {
  EXPECT_NE(configure_cpu_allocator(), "") << "glibc's thresholds were not set";
  for (const char* tunable : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"}) {
    ASSERT_EQ(std::getenv(tunable), nullptr) << tunable << " is set in the test's environment";
    setenv(tunable, "65536", 1);
    EXPECT_EQ(configure_cpu_allocator(), "") << tunable << " set by the user was overridden";
    unsetenv(tunable);
  }
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::string kept = before ? before : "";
  setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=65536", 1);
  EXPECT_EQ(configure_cpu_allocator(), "") << "glibc.malloc.* in GLIBC_TUNABLES was overridden";
  setenv("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX512F", 1);  // not the allocator's
  EXPECT_NE(configure_cpu_allocator(), "");
  if (before) setenv("GLIBC_TUNABLES", kept.c_str(), 1);
  else unsetenv("GLIBC_TUNABLES");
}

TEST(CpuAllocator, LimitsTheArenasUnlessTheUserChoseACount) {
  ASSERT_EQ(std::getenv("MALLOC_ARENA_MAX"), nullptr) << "MALLOC_ARENA_MAX is set in the test's environment";
  EXPECT_EQ(limit_cpu_allocator_arenas(2), "at most 2 allocator arenas");
  setenv("MALLOC_ARENA_MAX", "4", 1);
  EXPECT_EQ(limit_cpu_allocator_arenas(2), "") << "MALLOC_ARENA_MAX set by the user was overridden";
  unsetenv("MALLOC_ARENA_MAX");
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::string kept = before ? before : "";
  setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=4", 1);
  EXPECT_EQ(limit_cpu_allocator_arenas(2), "") << "glibc.malloc.arena_max in GLIBC_TUNABLES was overridden";
  if (before) setenv("GLIBC_TUNABLES", kept.c_str(), 1);
  else unsetenv("GLIBC_TUNABLES");
}
#endif

}  // namespace
}  // namespace palette
