// palette::cuda_graph_figures() where no GPU takes part: distinct recorded shapes are counted per owner, a
// recording that CUDA does not make (a CPU device) counts nothing. (Counting on a GPU: cuda_graph_gpu_test.)
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/cuda_graph.h"
#include "palette/cuda_graph_figures.h"

namespace palette {
namespace {

TEST(CudaGraphFigures, DistinctShapesAreCountedOncePerOwner) {
  const int64_t before = cuda_graph_figures().shapes_recorded;
  // Keys no other test records: the count is process-wide.
  const std::vector<std::vector<int64_t>> a = {{-7, 1, 2}, {3}}, b = {{-7, 1, 2}, {4}};
  count_recorded_shape("figures test", a);
  count_recorded_shape("figures test", a);  // recorded again after its graph was dropped: the same shape
  EXPECT_EQ(cuda_graph_figures().shapes_recorded - before, 1);
  count_recorded_shape("figures test", b);
  count_recorded_shape("figures test (another owner)", a);
  EXPECT_EQ(cuda_graph_figures().shapes_recorded - before, 3);
}

TEST(CudaGraphFigures, NoRecordingOnTheCpuCountsNothing) {
  const CudaGraphFigures before = cuda_graph_figures();
  bool ran = false;
  EXPECT_EQ(CudaGraph::record(torch::Device(torch::kCPU), [&] { ran = true; }), nullptr);
  EXPECT_FALSE(ran);
  const CudaGraphFigures after = cuda_graph_figures();
  EXPECT_EQ(after.graphs_recorded, before.graphs_recorded);
  EXPECT_EQ(after.graphs_alive, before.graphs_alive);
}

}  // namespace
}  // namespace palette
