#include "palette/cpu_allocator.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace palette {
namespace {

// Whether the user tuned this part of glibc's allocator: one of `variables` is set, or GLIBC_TUNABLES names
// a tunable starting with `tunable`.
[[maybe_unused]] bool user_tuned(std::initializer_list<const char*> variables, const char* tunable) {
  for (const char* variable : variables)
    if (std::getenv(variable) != nullptr) return true;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::strstr(tunables, tunable) != nullptr;
}

}  // namespace

std::string configure_cpu_allocator() {
#ifdef __GLIBC__
  if (user_tuned({"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"},
                 "glibc.malloc."))
    return "";  // the user's choice
  // 32 MB is glibc's ceiling for the threshold on 64-bit (half its per-thread heap; 16 MB on 32-bit, where
  // the call fails and the trim threshold alone still helps); larger blocks stay mmapped.
  const bool heap = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  const bool untrimmed = mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  return heap || untrimmed ? "freed tensor memory kept for reuse" : "";
#else
  return "";
#endif
}

std::string limit_cpu_allocator_arenas(int arenas) {
#ifdef __GLIBC__
  if (user_tuned({"MALLOC_ARENA_MAX"}, "glibc.malloc.arena_max")) return "";  // the user's choice
  return mallopt(M_ARENA_MAX, arenas) == 1 ? "at most " + std::to_string(arenas) + " allocator arenas" : "";
#else
  (void)arenas;
  return "";
#endif
}

}  // namespace palette
