// Noise sources: seeded draws, recording, and replay with its errors. Against the reference's recorded
// initial latents: noise_source_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <iostream>

#include "palette/error.h"
#include "sampling/noise_source.h"
#include "support/error_of.h"
#include "support/parity.h"

namespace palette {
namespace {

using test::error_of;

TEST(SeededNoise, SameSeedSameSequence) {
  SeededNoise a(1234), b(1234);
  const auto a1 = a.randn({2, 4, 8, 8}), a2 = a.randn({3, 5});
  const auto b1 = b.randn({2, 4, 8, 8}), b2 = b.randn({3, 5});
  EXPECT_TRUE(torch::equal(a1, b1));
  EXPECT_TRUE(torch::equal(a2, b2));
  EXPECT_FALSE(torch::equal(a1, a.randn({2, 4, 8, 8})));
  EXPECT_EQ(a.seed(), 1234u);
}

TEST(SeededNoise, DtypeAndDeviceFollowTheOptionsValuesTheFloatDraw) {
  SeededNoise a(7), b(7);
  const auto f32 = a.randn({16, 3});
  EXPECT_EQ(f32.scalar_type(), torch::kFloat32);
  EXPECT_EQ(f32.device().type(), torch::kCPU);
  const auto f64 = b.randn({16, 3}, torch::dtype(torch::kFloat64));
  EXPECT_EQ(f64.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::equal(f64.to(torch::kFloat32), f32));
  // Standard normal: a large draw has mean ≈ 0 and std ≈ 1.
  const auto big = a.randn({200000});
  EXPECT_NEAR(big.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(big.std().item<double>(), 1.0, 0.01);
}

TEST(RecordingNoise, KeepsEveryDrawAndReplaysIt) {
  SeededNoise seeded(3);
  RecordingNoise recorder(seeded);
  const auto d1 = recorder.randn({1, 4, 2, 2});
  const auto d2 = recorder.randn({5});
  ASSERT_EQ(recorder.draws().size(), 2u);
  EXPECT_TRUE(torch::equal(recorder.draws()[0], d1));
  EXPECT_TRUE(torch::equal(recorder.draws()[1], d2));
  ReplayNoise replay(recorder.draws());
  auto r1 = replay.randn({1, 4, 2, 2});
  EXPECT_TRUE(torch::equal(r1, d1));
  r1.add_(1.0);  // changing what was handed out leaves the recording alone
  EXPECT_TRUE(torch::equal(recorder.draws()[0], d1));
  EXPECT_EQ(replay.used(), 1u);
  EXPECT_EQ(replay.remaining(), 1u);
  EXPECT_EQ(replay.randn({5}, torch::dtype(torch::kFloat64)).scalar_type(), torch::kFloat64);
}

TEST(ReplayNoise, TooManyDrawsNamesTheIndex) {
  ReplayNoise replay({torch::zeros({2, 3})});
  replay.randn({2, 3});
  const auto message = error_of([&] { replay.randn({2, 3}); });
  EXPECT_NE(message.find("#1"), std::string::npos);
  EXPECT_NE(message.find("only 1"), std::string::npos);
}

TEST(ReplayNoise, ShapeMismatchNamesIndexAndShapes) {
  ReplayNoise replay({torch::zeros({1, 4, 8, 8})});
  const auto message = error_of([&] { replay.randn({1, 4, 8, 9}); });
  EXPECT_NE(message.find("#0"), std::string::npos);
  EXPECT_NE(message.find("[1, 4, 8, 8]"), std::string::npos);
  EXPECT_NE(message.find("[1, 4, 8, 9]"), std::string::npos);
  EXPECT_EQ(replay.used(), 0u);
}

}  // namespace
}  // namespace palette
