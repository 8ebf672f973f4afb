// The test programs' main: the engine's CPU set-up as the CLI and the app make it (the allocator keeps
// freed tensor blocks, so the suite's many small renders do not fault their pages in again each step).
#include <gtest/gtest.h>

#include "palette/cpu_allocator.h"

int main(int argc, char** argv) {
  palette::configure_cpu_allocator();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
