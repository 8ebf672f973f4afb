// The samplers against diffusers' schedulers step by step (Parity.scheduler_*).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "sampling/scheduler_cases.h"

namespace palette {
namespace {

using test::expect_scheduler_parity;

TEST(Parity, scheduler_lcm4) {
  expect_scheduler_parity("scheduler_lcm4");
}

TEST(Parity, scheduler_lcm1) {
  expect_scheduler_parity("scheduler_lcm1");
}

TEST(Parity, scheduler_lcm8_trailing) {
  expect_scheduler_parity("scheduler_lcm8_trailing");
}

TEST(Parity, scheduler_ddim20) {
  expect_scheduler_parity("scheduler_ddim20");
}

TEST(Parity, scheduler_ddim50_v) {
  expect_scheduler_parity("scheduler_ddim50_v");
}

TEST(Parity, scheduler_euler1_trailing) {
  expect_scheduler_parity("scheduler_euler1_trailing");
}

TEST(Parity, scheduler_euler4_trailing) {
  expect_scheduler_parity("scheduler_euler4_trailing");
}

TEST(Parity, scheduler_euler_a4) {
  expect_scheduler_parity("scheduler_euler_a4");
}

}  // namespace
}  // namespace palette
