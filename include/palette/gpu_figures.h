// What this process holds on its GPUs, for a long session's figures (the app's --metrics): memory the CUDA
// caching allocator hands out and reserves, over all devices, and the CUDA graphs: recorded so far, alive
// now, and the distinct shapes ever recorded (a shape recorded again after its graph was dropped counts
// once). A host-memory growth that follows new shapes is a per-shape cache (bounded by the shapes a session
// can make); one that follows recordings of known shapes is not. All zero without CUDA.
// Thread safety: may be called from any thread.
#pragma once

#include <cstdint>

namespace palette {

struct GpuFigures {
  int64_t allocated_bytes = 0;
  int64_t reserved_bytes = 0;
  int64_t graphs_recorded = 0;
  int64_t graphs_alive = 0;
  int64_t shapes_recorded = 0;
};

GpuFigures gpu_figures();

}  // namespace palette
