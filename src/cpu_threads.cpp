#include "palette/cpu_threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <sched.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

namespace palette {
namespace {

bool set_in_environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

// The cores this process may run on, as the kernel's topology counts them: distinct sibling sets of the
// CPUs in its affinity mask (a core's hyperthreads share one), so that hyperthreads count once. 0 when
// unreadable.
int kernel_core_count() {
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) return 0;
  std::set<std::string> cores;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &mask)) continue;
    std::string siblings;
    std::ifstream("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/thread_siblings_list") >> siblings;
    if (siblings.empty()) return 0;
    cores.insert(siblings);
  }
  return static_cast<int>(cores.size());
}

// The CPUs a cgroup CPU quota allows (a container's --cpus), rounded up; 0 when there is none.
int cgroup_cpu_limit() {
  long long quota = -1, period = 0;
  std::string max;
  if (std::ifstream v2("/sys/fs/cgroup/cpu.max"); v2 >> max >> period) {  // "max 100000" or "200000 100000"
    if (max != "max") quota = std::atoll(max.c_str());
  } else {
    std::ifstream("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") >> quota;
    std::ifstream("/sys/fs/cgroup/cpu/cpu.cfs_period_us") >> period;
  }
  if (quota <= 0 || period <= 0) return 0;
  return static_cast<int>(std::ceil(static_cast<double>(quota) / static_cast<double>(period)));
}

std::string single_threaded_openblas() {
  if (set_in_environment("OPENBLAS_NUM_THREADS")) return "";  // the user's choice
  // Looked up rather than linked: LibTorch builds without OpenBLAS (PyTorch's, with MKL) have none.
  using SetThreads = void (*)(int);
  const auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set_threads == nullptr) return "";
  set_threads(1);
  return "OpenBLAS single-threaded inside LibTorch's threads";
}

// LibTorch 1.13 (Debian's) takes half the CPUs the system has online, assuming two hyperthreads per core:
// on a 2-core guest without hyperthreads it chose one thread, and the live picture settled in 1.38 s
// instead of 1.04 s (bench/RESULTS.md, fifteenth session). It also counts CPUs that the affinity mask or a
// container's quota keep from the process. One thread per core the process may use, as LibTorch intends.
std::string intra_op_threads() {
  if (set_in_environment("OMP_NUM_THREADS") || set_in_environment("MKL_NUM_THREADS")) return "";
  int cores = kernel_core_count();
  if (const int limit = cgroup_cpu_limit(); limit > 0 && limit < cores) cores = limit;
  const int chosen = at::get_num_threads();
  if (cores <= 0 || cores == chosen) return "";
  at::set_num_threads(cores);
  return "LibTorch threads " + std::to_string(chosen) + " → " + std::to_string(cores) + " (one per core)";
}

}  // namespace

std::string configure_cpu_threads() {
  const std::string blas = single_threaded_openblas(), pool = intra_op_threads();
  return blas.empty() || pool.empty() ? blas + pool : blas + "; " + pool;
}

// A tool loaded into this process (valgrind's vgpreload, heaptrack's preload library, which clears LD_PRELOAD
// once loaded) would lose the process if it were executed again. Other preloaded libraries stay: LD_PRELOAD
// goes along with the environment.
bool watched_by_a_preloaded_tool() {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (line.find("vgpreload") != std::string::npos || line.find("heaptrack") != std::string::npos) return true;
  return false;
}

void wait_passively_between_parallel_loops(char** argv) {
  if (set_in_environment("OMP_WAIT_POLICY") || argv == nullptr || argv[0] == nullptr) return;
  if (watched_by_a_preloaded_tool()) return;
  char path[4096];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0 || length >= static_cast<ssize_t>(sizeof(path) - 1)) return;
  path[length] = '\0';
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv(path, argv);
  unsetenv("OMP_WAIT_POLICY");  // not executed again: the runtime spins, as the variable now says
}

std::string openmp_wait_policy() {
  const char* value = std::getenv("OMP_WAIT_POLICY");
  return value != nullptr ? value : "";
}

}  // namespace palette
