#include "palette/cpu_allocator.h"

#include <cstdlib>
#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace palette {

std::string configure_cpu_allocator() {
#ifdef __GLIBC__
  for (const char* tunable : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"})
    if (std::getenv(tunable) != nullptr) return "";  // the user's choice
  if (const char* tunables = std::getenv("GLIBC_TUNABLES"); tunables && std::strstr(tunables, "glibc.malloc."))
    return "";
  // 32 MB is glibc's ceiling for the threshold on 64-bit (half its per-thread heap; 16 MB on 32-bit, where
  // the call fails and the trim threshold alone still helps); larger blocks stay mmapped.
  const bool heap = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  const bool untrimmed = mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  return heap || untrimmed ? "freed tensor memory kept for reuse" : "";
#else
  return "";
#endif
}

}  // namespace palette
