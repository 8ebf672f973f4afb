// The UNet's CUDA-graph runner off CUDA: a plain forward that records nothing. Its replay against eager
// calls on CUDA: pipelines/precision_gpu_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/model_parts.h"
#include "models/unet/unet_graph.h"
#include "palette/model.h"
#include "support/parity.h"

namespace palette {
namespace {

TEST(UNetGraph, IsPlainForwardOnTheCpu) {
  const Model& model = test::fixture_model("tiny-sd15");
  torch::NoGradGuard no_grad;
  UNetGraphRunner runner(model_parts(model).unet, true);
  EXPECT_FALSE(runner.graphs_enabled());
  const torch::Tensor x = torch::randn({2, 4, 8, 8});
  const torch::Tensor hidden = torch::randn({2, 77, model_parts(model).unet->config().cross_attention_dim[0]});
  const torch::Tensor t = torch::tensor({999, 499}, torch::kInt64);
  UNet2DConditionModel unet = model_parts(model).unet;  // a non-const handle on the shared module
  EXPECT_TRUE(torch::equal(runner.forward(x, t, hidden), unet->forward(x, t, hidden)));
  EXPECT_EQ(runner.captures(), 0);
}

}  // namespace
}  // namespace palette
