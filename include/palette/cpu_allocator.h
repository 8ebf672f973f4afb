// The C library's allocator for the engine's tensors. glibc returns every freed block above its mmap
// threshold to the kernel and trims the heap's top after frees, so the next step's tensors of the same
// sizes fault their pages in again; each denoising step frees and reallocates the same few hundred MB.
// Measured with the built-in model on 2 cores (palette bench -w live, 256², regional, 3 steps): a settled
// edit 1.7 s with glibc's defaults, 0.63 s with the blocks kept (bench/RESULTS.md).
// Thread safety: call once at program start, before other threads allocate.
#pragma once

#include <string>

namespace palette {

// With glibc, and unless the user set a MALLOC_*_ tunable or glibc.malloc.* in GLIBC_TUNABLES themselves:
// blocks up to the largest mmap threshold glibc allows (32 MB) come from the heap, and the heap's top is kept
// up to 1 GB instead of being trimmed after each free. A thread's arena (64 MB heaps) is then never shrunk
// either, so a process's resident memory stays at its high-water mark until malloc_trim: the app calls it
// every few seconds; the CLI's commands and the tests end instead. Returns one line saying what it did
// ("" when there was nothing to do).
std::string configure_cpu_allocator();

// With glibc, and unless the user set MALLOC_ARENA_MAX or glibc.malloc.arena_max: at most `arenas` arenas
// (glibc gives each thread that allocates its own, up to 8 per core; the app keeps two, see its main).
// Returns one line saying what it did ("" when nothing).
std::string limit_cpu_allocator_arenas(int arenas);

}  // namespace palette
