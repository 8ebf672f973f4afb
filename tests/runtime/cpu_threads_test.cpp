// configure_cpu_threads leaves a user's own thread counts alone, and otherwise gives LibTorch one thread
// per core the process may use: a second call has nothing left to change. (What the threads buy is a
// benchmark's question: bench/RESULTS.md.)
#include <gtest/gtest.h>
#include <ATen/Parallel.h>

#include <cstdlib>
#include <string>

#include "palette/cpu_threads.h"

namespace palette {
namespace {

TEST(CpuThreads, LeavesTheUsersThreadCountsAloneAndSettlesOnce) {
  const int original = at::get_num_threads();
  for (const char* name : {"OMP_NUM_THREADS", "MKL_NUM_THREADS"}) {
    ASSERT_EQ(std::getenv(name), nullptr) << name << " is set in the test's environment";
    at::set_num_threads(37);  // a count no machine that runs the tests has cores for
    setenv(name, "1", 1);
    EXPECT_EQ(configure_cpu_threads().find("LibTorch threads"), std::string::npos) << name << " set by the user was overridden";
    EXPECT_EQ(at::get_num_threads(), 37);
    setenv(name, "", 1);  // empty: not a choice (LibTorch ignores it too)
    EXPECT_NE(configure_cpu_threads().find("LibTorch threads 37"), std::string::npos)
        << name << "=\"\" was taken for the user's choice";
    unsetenv(name);
  }
  const int chosen = at::get_num_threads();
  EXPECT_GE(chosen, 1);
  EXPECT_EQ(configure_cpu_threads().find("LibTorch threads"), std::string::npos) << "a second call changed the count again";
  EXPECT_EQ(at::get_num_threads(), chosen);
  at::set_num_threads(original);  // the other tests run as they would without this one
}

}  // namespace
}  // namespace palette
