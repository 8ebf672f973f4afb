// The CUDA graphs this process has made, for a long session's figures (the app's --metrics): recorded so far,
// alive now, and the distinct shapes ever recorded (a shape recorded again after its graph was dropped counts
// once). Set beside the host memory, they tell a growth that follows new shapes (caches kept per shape, which
// a session's shapes bound) from one that follows every recording. Counters only: reading them waits for
// nothing on the GPU. All zero without CUDA.
// Thread safety: may be called from any thread.
#pragma once

#include <cstdint>

namespace palette {

struct CudaGraphFigures {
  int64_t graphs_recorded = 0;
  int64_t graphs_alive = 0;
  int64_t shapes_recorded = 0;
};

CudaGraphFigures cuda_graph_figures();

}  // namespace palette
