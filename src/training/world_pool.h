// Training data: pools of world pictures made on CPU threads, the next pool in the background while the
// current one trains. Pool k holds samples [first + k·count, first + (k+1)·count) of the world's seed, so
// the data depends only on the seed and where a run starts, never on thread timing.
// Thread safety: a PoolMaker belongs to one thread (its worker threads are its own business).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <future>
#include <string>
#include <vector>

#include "palette/world.h"

namespace palette::training {

// What a pool's pictures are: size × size each; a share of them (decided per sample) rendered at twice the
// size and cut to a size × size view, so the model also learns the world as it looks on a larger canvas.
struct PoolShape {
  int size = 256;
  float large_share = 0.0f;  // [0, 1]
  CaptionStyle captions = CaptionStyle::Varied;
  // ≥ 0: a present class is picked as the region prompt with odds ∝ (its pixels)^-region_small_bias; 0 picks
  // every present class equally, 1 in inverse proportion to its area.
  float region_small_bias = 0.0f;
  SceneWeights scene_weights = kEqualSceneWeights;  // the odds of each composed scene (WorldOptions)
  // ≥ 0: each picture's class-balance map weighs a pixel by (its class's share of the picture)^-class_balance;
  // 0 makes no map.
  float class_balance = 0.0f;
};

// Besides its caption, each picture carries one region prompt: one class present in it (with no small bias
// each present class is equally likely, so a house is asked for as often as the sky; a bias favours the
// small ones further), named alone, and where that class is, as a coverage map at latent resolution.
// Trained with a loss kept to that class's pixels, it teaches what a region pipeline asks of every region's
// prompt: paint this class here, whatever the rest of the picture is.
struct WorldPool {
  torch::Tensor images;               // (N, 3, size, size) uint8, CPU
  std::vector<std::string> captions;  // N captions
  std::vector<std::string> region_captions;  // N captions naming one class present
  torch::Tensor region_masks;         // (N, 1, size/8, size/8) float: that class's share of each 8 × 8 cell
  // With PoolShape::class_balance > 0 (else undefined): (N, 1, size/8, size/8) float, each 8 × 8 cell's mean
  // pixel weight, a pixel weighing (its class's share of the picture, at least 0.5 %)^-class_balance, the map
  // scaled to mean 1 per picture. A loss weighted by it lets a house count as much as the sky around it, for
  // each picture alike.
  torch::Tensor balance_weights;
};

// Samples [first, first + count) of the world `seed` of `shape` on `threads` threads; half of them
// (decided per sample) mirrored left to right, their region masks with them. `shape.size` must be a multiple of 8. Throws palette::Error for bad sizes.
WorldPool make_world_pool(uint64_t seed, uint64_t first, int count, const PoolShape& shape, int threads);

class PoolMaker {
 public:
  // Starts making the first pool at once. threads ≤ 0: all cores but two.
  PoolMaker(uint64_t seed, uint64_t first, int count, const PoolShape& shape, int threads);
  ~PoolMaker();
  PoolMaker(const PoolMaker&) = delete;
  PoolMaker& operator=(const PoolMaker&) = delete;

  bool ready() const;  // the pool being made is finished
  WorldPool take();    // waits for it, then starts the next one
  // take(), its pictures moved to `device`: the stages gather their batches there, never on the host.
  WorldPool take(const torch::Device& device);

 private:
  void start();

  uint64_t seed_, next_first_;
  int count_;
  PoolShape shape_;
  int threads_;
  std::future<WorldPool> pending_;
};

}  // namespace palette::training
