// Training pools: each picture's region prompt names one class present in it, and its mask is where that
// class is, cell by latent cell, mirrored with the picture.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "palette/error.h"
#include "palette/world.h"
#include "training/world_pool.h"

namespace palette {
namespace {

// The pool's sample options, as make_world_pool documents them (no large views here).
WorldOptions pool_options(int size) {
  WorldOptions o;
  o.width = o.height = size;
  return o;
}

TEST(WorldPool, RegionMaskIsWhereTheNamedClassIs) {
  constexpr int kSize = 64, kCount = 24;
  training::PoolShape shape{kSize, 0.0f, CaptionStyle::Plain};
  const training::WorldPool pool = training::make_world_pool(9, 100, kCount, shape, 2);
  ASSERT_EQ(pool.region_masks.sizes(), (torch::IntArrayRef{kCount, 1, kSize / 8, kSize / 8}));
  ASSERT_EQ(pool.region_captions.size(), static_cast<size_t>(kCount));
  int mirrored = 0;
  for (int i = 0; i < kCount; ++i) {
    const WorldSample s = make_world_sample(9, 100 + i, pool_options(kSize));
    const auto named = world_class_from_name(pool.region_captions[i]);
    ASSERT_TRUE(named.has_value()) << "plain region caption '" << pool.region_captions[i] << "' is not a class name";
    // The class's coverage of each 8 × 8 cell, computed here from the class map, as drawn and mirrored.
    auto expected = torch::zeros({kSize / 8, kSize / 8});
    auto flipped = torch::zeros({kSize / 8, kSize / 8});
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x)
        if (s.classes[static_cast<size_t>(y) * kSize + x] == static_cast<uint8_t>(*named)) {
          expected[y / 8][x / 8] += 1.0f / 64;
          flipped[y / 8][(kSize - 1 - x) / 8] += 1.0f / 64;
        }
    const auto mask = pool.region_masks[i][0];
    EXPECT_GT(mask.sum().item<float>(), 0.0f) << "sample " << i << ": '" << pool.region_captions[i] << "' is absent";
    const bool plain = torch::allclose(mask, expected, 0, 1e-5), mirror = torch::allclose(mask, flipped, 0, 1e-5);
    EXPECT_TRUE(plain || mirror) << "sample " << i << ": the mask of '" << pool.region_captions[i]
                                 << "' is not where the class is";
    mirrored += mirror && !plain;
  }
  EXPECT_GT(mirrored, 0) << "no picture of " << kCount << " was mirrored";
}

// Each present class is as likely as any other, so the small ones (houses, trees, sun, moon) are asked for
// far more often than their share of the pixels; varied captions phrase them in many ways.
TEST(WorldPool, RegionPromptsAskForSmallObjects) {
  constexpr int kCount = 300;
  const training::WorldPool pool = training::make_world_pool(3, 0, kCount, {64, 0.0f, CaptionStyle::Plain}, 2);
  const std::set<std::string> small_names{"house", "tree", "sun", "moon"};
  int small = 0;
  double small_cells = 0;
  for (int i = 0; i < kCount; ++i)
    if (small_names.count(pool.region_captions[i])) {
      ++small;
      small_cells += pool.region_masks[i].sum().item<double>();
    }
  std::printf("%d of %d region prompts name a house, tree, sun or moon (mean %.2f latent cells)\n", small, kCount,
              small > 0 ? small_cells / small : 0.0);
  EXPECT_GE(small, kCount / 10);

  const training::WorldPool varied = training::make_world_pool(3, 0, 60, {64, 0.0f, CaptionStyle::Varied}, 2);
  const std::set<std::string> distinct(varied.region_captions.begin(), varied.region_captions.end());
  std::printf("%zu distinct varied region captions of 60\n", distinct.size());
  EXPECT_GT(distinct.size(), 30u);
}

// On the same pictures, a small bias asks for the small classes more often and for smaller areas; with a bias
// of 1 each present class comes with odds inverse to its area. A bias of 0 is the uniform draw above.
TEST(WorldPool, RegionSmallBiasFavoursTheSmallClasses) {
  constexpr int kCount = 300;
  const auto small_share = [&](float bias, double* mean_cells) {
    training::PoolShape shape{64, 0.0f, CaptionStyle::Plain, bias};
    const training::WorldPool pool = training::make_world_pool(3, 0, kCount, shape, 2);
    int small = 0;
    double cells = 0;
    for (int i = 0; i < kCount; ++i) {
      const std::string& c = pool.region_captions[i];
      small += c == "house" || c == "tree" || c == "sun" || c == "moon" || c == "road";
      cells += pool.region_masks[i].sum().item<double>();
    }
    *mean_cells = cells / kCount;
    return small;
  };
  double cells_uniform = 0, cells_biased = 0;
  const int uniform = small_share(0.0f, &cells_uniform), biased = small_share(1.0f, &cells_biased);
  std::printf("small classes named: %d of %d without a bias (mean %.1f latent cells), %d with bias 1 (%.1f)\n",
              uniform, kCount, cells_uniform, biased, cells_biased);
  EXPECT_GT(biased, uniform + kCount / 10);
  EXPECT_LT(cells_biased, 0.9 * cells_uniform);

  const training::PoolShape negative{64, 0.0f, CaptionStyle::Plain, -1.0f};
  EXPECT_THROW(training::make_world_pool(3, 0, 1, negative, 1), Error);
}

// The class-balance map: each cell's mean pixel weight, a pixel weighing (its class's share of the picture, at
// least 0.5 %)^-β, the map scaled to mean 1; recomputed here from the class map, mirrored where the pool mirrored
// the picture. Small classes' cells weigh more than the largest class's; β = 0 makes no map.
TEST(WorldPool, ClassBalanceWeighsEachClassByItsShare) {
  constexpr int kSize = 64, kCount = 12, kCells = kSize / 8;
  constexpr float kBalance = 0.75f;
  training::PoolShape shape{kSize, 0.0f, CaptionStyle::Plain, 0.0f, kEqualSceneWeights, kBalance};
  const training::WorldPool pool = training::make_world_pool(5, 40, kCount, shape, 2);
  ASSERT_EQ(pool.balance_weights.sizes(), (torch::IntArrayRef{kCount, 1, kCells, kCells}));
  int heavier = 0, unequal = 0, mirrors = 0;
  for (int i = 0; i < kCount; ++i) {
    const WorldSample s = make_world_sample(5, 40 + i, pool_options(kSize));
    std::array<double, kWorldClassCount> count{};
    for (uint8_t c : s.classes) count[c] += 1;
    // Mirrored or not, as the pool drew the picture (its pixels say which); the map must be mirrored with it.
    const torch::Tensor drawn =
        torch::from_blob(const_cast<uint8_t*>(s.image.pixels.data()), {kSize, kSize, 3}, torch::kUInt8).permute({2, 0, 1});
    const bool mirrored = !torch::equal(pool.images[i], drawn);
    ASSERT_TRUE(!mirrored || torch::equal(pool.images[i], drawn.flip({2}))) << "sample " << i << " is not the world's picture";
    auto expected = torch::zeros({kCells, kCells}, torch::kFloat64);
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) {
        const double share = std::max(count[s.classes[size_t(y) * kSize + x]] / (kSize * kSize), 0.005);
        expected[y / 8][(mirrored ? kSize - 1 - x : x) / 8] += std::pow(share, -double(kBalance));
      }
    expected /= expected.mean();
    const auto map = pool.balance_weights[i][0].to(torch::kFloat64);
    EXPECT_NEAR(map.mean().item<double>(), 1.0, 1e-5) << "sample " << i;
    EXPECT_TRUE(torch::allclose(map, expected, 1e-4, 1e-5))
        << "sample " << i << (mirrored ? " (mirrored)" : "") << ": the balance map is not the classes' shares to the power "
        << -kBalance << " where the picture has them";
    mirrors += mirrored;
    // Where one class covers less than half of what another does, its cells weigh more than the other's.
    double smallest = kSize * kSize, largest = 0;
    for (double c : count)
      if (c > 0) smallest = std::min(smallest, c), largest = std::max(largest, c);
    if (smallest < 0.5 * largest) {
      ++unequal;
      heavier += map.max().item<double>() > 1.05 * map.min().item<double>();
    }
  }
  EXPECT_GT(unequal, kCount / 2);
  EXPECT_GT(mirrors, 0) << "no picture of " << kCount << " was mirrored: the test would not see a wrong mirror";
  EXPECT_LT(mirrors, kCount);
  EXPECT_EQ(heavier, unequal) << "a picture's smaller classes do not weigh more than its largest";
  EXPECT_FALSE(training::make_world_pool(5, 40, 2, {kSize, 0.0f, CaptionStyle::Plain}, 2).balance_weights.defined());
  training::PoolShape too_much = shape;
  too_much.class_balance = 3.0f;
  EXPECT_THROW(training::make_world_pool(5, 40, 2, too_much, 2), Error);
}

}  // namespace
}  // namespace palette
