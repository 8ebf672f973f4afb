// The weight average that the UNet and decoder stages save: it must follow the weights in a short run
// instead of keeping a large share of the untrained ones.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "training/train_common.h"

namespace palette::training {
namespace {

struct One : torch::nn::Module {
  One() { w = register_parameter("w", torch::zeros({1})); }
  torch::Tensor w;
};

TEST(WeightAverage, FollowsTheWeightsEarlyAndAveragesLater) {
  One m;
  WeightAverage average(m, 0.999);
  torch::NoGradGuard no_grad;
  m.w.fill_(1.0);  // trained away from the start at once
  for (int i = 0; i < 20; ++i) average.update();
  double early = 0;
  average.with_average([&] { early = m.w.item<double>(); });
  EXPECT_GT(early, 0.99) << "a fixed 0.999 would give 1 - 0.999^20 = 0.02";
  EXPECT_EQ(m.w.item<double>(), 1.0) << "the trained weights are back after with_average";

  // Late in a long run the average moves by (1 - 0.999) of the difference per update.
  for (int i = 0; i < 20000; ++i) average.update();
  m.w.fill_(2.0);
  average.update();
  double late = 0;
  average.with_average([&] { late = m.w.item<double>(); });
  EXPECT_NEAR(late, 1.001, 1e-4);
}

}  // namespace
}  // namespace palette::training
