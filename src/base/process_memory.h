// This process's memory as the operating system and the C library see it: what a long run watches to tell
// a leak (memory handed out grows) from memory the allocator keeps (free memory grows).
//
//   const palette::HeapUse heap = palette::heap_use();   // bytes in use and free in glibc's arenas
//   const int64_t rss = palette::resident_bytes();
#pragma once

#include <cstdint>

namespace palette {

// The resident set size of this process in bytes (0 where /proc is not readable).
int64_t resident_bytes();

// What glibc's allocator holds: bytes handed out (its arenas' chunks in use and its own mmapped blocks) and
// bytes free in its arenas (resident or not). Both 0 without glibc ≥ 2.33.
struct HeapUse {
  int64_t in_use = 0, free = 0;
};
HeapUse heap_use();

}  // namespace palette
