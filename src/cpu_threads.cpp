#include "palette/cpu_threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <sched.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <utility>

namespace palette {
namespace {

// The cores this process may run on, as the kernel's topology counts them: distinct (package, core) pairs
// of the CPUs in its affinity mask, so that hyperthreads of one core count once. 0 when unreadable.
int kernel_core_count() {
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) return 0;
  std::set<std::pair<long, long>> cores;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &mask)) continue;
    const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    long package = -1, core = -1;
    std::ifstream(topology + "physical_package_id") >> package;
    std::ifstream(topology + "core_id") >> core;
    if (package < 0 || core < 0) return 0;
    cores.insert({package, core});
  }
  return static_cast<int>(cores.size());
}

std::string single_threaded_openblas() {
  if (std::getenv("OPENBLAS_NUM_THREADS") != nullptr) return "";  // the user's choice
  // Looked up rather than linked: LibTorch builds without OpenBLAS (PyTorch's, with MKL) have none.
  using SetThreads = void (*)(int);
  const auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set_threads == nullptr) return "";
  set_threads(1);
  return "OpenBLAS single-threaded inside LibTorch's threads";
}

// LibTorch sizes its pool from cpuinfo's count of physical cores, which some virtual machines get wrong:
// on a 2-vCPU AMD EPYC guest whose kernel lists two cores it chose one thread, and the live picture
// settled in 1.38 s instead of 1.05 s (bench/RESULTS.md, fifteenth session). The kernel's count wins when
// it is larger; hyperthreads still count once, as LibTorch intends.
std::string intra_op_threads() {
  if (std::getenv("OMP_NUM_THREADS") != nullptr || std::getenv("MKL_NUM_THREADS") != nullptr) return "";
  const int chosen = at::get_num_threads(), cores = kernel_core_count();
  if (cores <= chosen) return "";
  at::set_num_threads(cores);
  return "LibTorch threads " + std::to_string(chosen) + " → " + std::to_string(cores) + " (one per core)";
}

}  // namespace

std::string configure_cpu_threads() {
  const std::string blas = single_threaded_openblas(), pool = intra_op_threads();
  return blas.empty() || pool.empty() ? blas + pool : blas + "; " + pool;
}

}  // namespace palette
