#include "palette/cpu_allocator.h"

#include <cstdlib>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace palette {

std::string configure_cpu_allocator() {
#ifdef __GLIBC__
  for (const char* tunable : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"})
    if (std::getenv(tunable) != nullptr) return "";  // the user's choice
  // 32 MB is glibc's ceiling for the threshold (half its per-thread heap); larger blocks stay mmapped.
  const bool kept = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  return kept ? "freed tensor memory kept for reuse (heap blocks up to 32 MB, trimmed above 1 GB)" : "";
#else
  return "";
#endif
}

}  // namespace palette
