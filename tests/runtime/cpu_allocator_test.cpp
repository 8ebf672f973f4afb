// configure_cpu_allocator leaves a user's own allocator tunables alone and otherwise sets glibc's. (What the
// setting buys is a benchmark's question: bench/RESULTS.md.)
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
#endif

}  // namespace
}  // namespace palette
