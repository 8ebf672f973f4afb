// The samplers on CUDA: diffusers' steps in float32, and half precision through step and the per-item forms.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "sampling/noise_source.h"
#include "sampling/scheduler_cases.h"

namespace palette {
namespace {

using test::expect_scheduler_parity;
using test::open_scheduler_case;

TEST(SchedulerGpu, StepsOnCudaMatchTheReference) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  for (const char* name :
       {"scheduler_lcm4", "scheduler_ddim50_v", "scheduler_euler4_trailing", "scheduler_euler_a4"}) {
    expect_scheduler_parity(name, torch::kCUDA);
  }
  auto c = open_scheduler_case("scheduler_lcm4");
  const auto half = torch::device(torch::kCUDA).dtype(torch::kFloat16);
  SeededNoise noise(0);
  const auto x = c.file.load("x0", half);
  const auto result = c.scheduler->step(c.file.load("model_output_0", half), 0, x, noise);
  EXPECT_EQ(result.prev_sample.scalar_type(), torch::kFloat16);
  EXPECT_EQ(result.prev_sample.device().type(), torch::kCUDA);
  const auto per_item = c.scheduler->denoise(torch::cat({x, x}), torch::cat({x, x}),
                                             torch::tensor({999, 259}, torch::device(torch::kCUDA)));
  EXPECT_EQ(per_item.scalar_type(), torch::kFloat16);
  EXPECT_TRUE(torch::isfinite(per_item).all().item<bool>());
}

}  // namespace
}  // namespace palette
