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

// For a program whose cores are shared by several busy threads (the app: its UI thread and the OpenGL
// driver's, the live stream, a refine): the OpenMP runtime's idle threads sleep between parallel loops
// instead of spinning (OMP_WAIT_POLICY=PASSIVE). A spinning thread held a core that the thread it waited for
// needed: on two cores the app's live stream took 0.4-5.6 s a UNet step right after its first picture,
// against 0.25-0.37 s passive (bench/RESULTS.md, twenty-second session). A one-shot render with the cores to
// itself is faster spinning (4.2 s against 4.8 s), so the CLI, `palette bench -w live` included, keeps the
// default. GNU libgomp (Debian's LibTorch and PyTorch's) reads the setting once, when it is loaded, before
// main(): when OMP_WAIT_POLICY is unset or empty, this sets it and executes the program again (the file
// /proc/self/exe names, so that the process keeps its name; the same arguments and environment). Returns only
// where it did not: the variable was set already (the user's choice stands), a preloaded tool watches the
// process (valgrind, heaptrack: executed again, the program would escape it; set the variable for such runs),
// or the program could not be executed again. Call first thing in main(), before any thread starts (static
// initialisers have run by then, and run again after).
void wait_passively_between_parallel_loops(char** argv);

// OMP_WAIT_POLICY as this process runs with it ("" when unset: the runtime's default, spinning a while).
std::string openmp_wait_policy();

}  // namespace palette
