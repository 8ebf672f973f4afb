#include "palette/cpu_threads.h"

#include <dlfcn.h>

#include <cstdlib>

namespace palette {

std::string configure_cpu_threads() {
  if (std::getenv("OPENBLAS_NUM_THREADS") != nullptr) return "";  // the user's choice
  // Looked up rather than linked: LibTorch builds without OpenBLAS (PyTorch's, with MKL) have none.
  using SetThreads = void (*)(int);
  const auto set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set_threads == nullptr) return "";
  set_threads(1);
  return "OpenBLAS single-threaded inside LibTorch's threads";
}

}  // namespace palette
