// palette::gpu_figures() where no GPU takes part: distinct recorded shapes are counted per owner, a
// recording that CUDA does not make (a CPU device) counts nothing. (Counting on a GPU: cuda_graph_gpu_test.)
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/cuda_graph.h"
#include "palette/gpu_figures.h"

namespace palette {
namespace {

TEST(GpuFigures, DistinctShapesAreCountedOncePerOwner) {
  const int64_t before = gpu_figures().shapes_recorded;
  // Keys no other test records: the count is process-wide.
  const std::vector<std::vector<int64_t>> a = {{-7, 1, 2}, {3}}, b = {{-7, 1, 2}, {4}};
  count_recorded_shape("figures test", a);
  count_recorded_shape("figures test", a);  // recorded again after its graph was dropped: the same shape
  EXPECT_EQ(gpu_figures().shapes_recorded - before, 1);
  count_recorded_shape("figures test", b);
  count_recorded_shape("figures test (another owner)", a);
  EXPECT_EQ(gpu_figures().shapes_recorded - before, 3);
}

TEST(GpuFigures, NoRecordingOnTheCpuCountsNothing) {
  const GpuFigures before = gpu_figures();
  bool ran = false;
  EXPECT_EQ(CudaGraph::record(torch::Device(torch::kCPU), [&] { ran = true; }), nullptr);
  EXPECT_FALSE(ran);
  const GpuFigures after = gpu_figures();
  EXPECT_EQ(after.graphs_recorded, before.graphs_recorded);
  EXPECT_EQ(after.graphs_alive, before.graphs_alive);
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(after.allocated_bytes, 0);
    EXPECT_EQ(after.reserved_bytes, 0);
  }
}

}  // namespace
}  // namespace palette
