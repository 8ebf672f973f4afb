// The CPU's threads for the engine: one pool, not two. Debian's LibTorch runs its parallel loops on its
// own intra-op threads (one per core) and calls OpenBLAS, which keeps a pthread pool of its own (also one
// per core) for every GEMM; both pools busy-wait, and on two cores they spin against each other. Measured
// with the built-in model on 2 cores (palette stream, landscape, 256², regional): UNet 12.8 s a frame with
// both pools, 0.69 s with OpenBLAS single-threaded inside LibTorch's threads.
// Thread safety: call once at program start, before any engine work.
#pragma once

#include <string>

namespace palette {

// Makes OpenBLAS single-threaded when the process uses it and the user has not set OPENBLAS_NUM_THREADS
// (or OMP_NUM_THREADS for OpenBLAS's OpenMP build) themselves, and gives LibTorch one thread per core the
// process may use (the kernel's topology within its affinity mask, at most a cgroup CPU quota) where it
// chose another number (unless OMP_NUM_THREADS or MKL_NUM_THREADS is set). Returns one line saying what it
// did ("" when there was nothing to do).
std::string configure_cpu_threads();

}  // namespace palette
