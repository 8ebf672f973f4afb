#include "training/world_pool.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <thread>

#include "palette/error.h"
#include "palette/world.h"
#include "training/world_captions.h"
#include "training/world_noise.h"

namespace palette::training {

namespace {

int worker_count(int threads) {
  if (threads > 0) return threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 2);  // the trainer needs a core
}

// One sample into slot `slot` of `images` (N,3,S,S), mirrored or not (the world has no left and right,
// so mirroring doubles the pictures for free).
void fill_slot(torch::Tensor& images, int64_t slot, const WorldSample& s, bool mirror) {
  const int size = s.image.width;
  uint8_t* out = images[slot].data_ptr<uint8_t>();
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const int sx = mirror ? size - 1 - x : x;
      const uint8_t* px = &s.image.pixels[3 * (static_cast<size_t>(y) * size + sx)];
      for (int c = 0; c < 3; ++c) out[(static_cast<size_t>(c) * size + y) * size + x] = px[c];
    }
}

// Cells of the latent grid: the autoencoder halves the side three times.
constexpr int kLatentCell = 8;

// The region prompt of sample `s` (see WorldPool): one present class drawn with `rng`, its caption, and its
// coverage of each latent cell written into `mask` (size/8 × size/8), mirrored like the picture.
WorldClass pick_region_class(const WorldSample& s, float small_bias, WorldRng& rng) {
  const auto counts = world_class_counts(s);
  std::vector<WorldClass> present;
  for (int c = 0; c < kWorldClassCount; ++c)
    if (counts[c] > 0) present.push_back(static_cast<WorldClass>(c));
  // No bias keeps the uniform draw bit for bit, so the pools of earlier runs are made again unchanged.
  if (small_bias == 0.0f) return present[rng.below(static_cast<int>(present.size()))];
  std::vector<double> odds;
  for (WorldClass c : present)
    odds.push_back(std::pow(static_cast<double>(counts[static_cast<int>(c)]), -static_cast<double>(small_bias)));
  double u = rng.uniform() * std::accumulate(odds.begin(), odds.end(), 0.0);
  for (size_t i = 0; i + 1 < present.size(); ++i)
    if ((u -= odds[i]) < 0) return present[i];
  return present.back();
}

// Sums a per-class value over each latent cell of sample `s` into `cells` (size/8 × size/8), mirrored like the
// picture; returns the whole picture's sum.
double sum_cells(float* cells, const WorldSample& s, bool mirror, const std::array<float, kWorldClassCount>& per_class) {
  const int size = s.image.width, side = size / kLatentCell;
  std::fill(cells, cells + side * side, 0.0f);
  double sum = 0;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const float v = per_class[s.classes[static_cast<size_t>(y) * size + x]];
      if (v == 0.0f) continue;
      const int mx = mirror ? size - 1 - x : x;
      cells[(y / kLatentCell) * side + mx / kLatentCell] += v;
      sum += v;
    }
  return sum;
}

std::string fill_region(float* mask, const WorldSample& s, bool mirror, const PoolShape& shape, WorldRng& rng) {
  const WorldClass chosen = pick_region_class(s, shape.region_small_bias, rng);
  std::array<float, kWorldClassCount> share{};
  share[static_cast<size_t>(chosen)] = 1.0f / (kLatentCell * kLatentCell);
  sum_cells(mask, s, mirror, share);
  return shape.captions == CaptionStyle::Varied ? varied_crop_caption(chosen, rng) : world_class_name(chosen);
}

// The least share a class is weighed as: a sliver cut off at a view's edge would otherwise, at a balance of 1
// or more, outweigh the rest of the picture from a single cell.
constexpr double kLeastBalancedShare = 0.005;

// The class-balance map of sample `s` (see WorldPool) into `weights` (size/8 × size/8), mirrored like the picture.
void fill_balance(float* weights, const WorldSample& s, bool mirror, float balance) {
  const int size = s.image.width, cells = size / kLatentCell;
  const auto counts = world_class_counts(s);
  std::array<float, kWorldClassCount> pixel_weight{};
  const double total = static_cast<double>(size) * size;
  for (int c = 0; c < kWorldClassCount; ++c)
    if (counts[c] > 0)
      pixel_weight[c] =
          static_cast<float>(std::pow(std::max(counts[c] / total, kLeastBalancedShare), -static_cast<double>(balance)));
  const double sum = sum_cells(weights, s, mirror, pixel_weight);
  const float scale = static_cast<float>(cells * cells / sum);  // the mean cell weighs 1
  for (int i = 0; i < cells * cells; ++i) weights[i] *= scale;
}

}  // namespace

WorldPool make_world_pool(uint64_t seed, uint64_t first, int count, const PoolShape& shape, int threads) {
  if (count < 1) throw Error("a data pool needs at least one picture");
  if (!(shape.large_share >= 0.0f && shape.large_share <= 1.0f))
    throw Error("a data pool's large share " + std::to_string(shape.large_share) + " must be in [0, 1]");
  if (!(shape.region_small_bias >= 0.0f && shape.region_small_bias <= 4.0f))
    throw Error("a data pool's region small bias " + std::to_string(shape.region_small_bias) + " must be in [0, 4]");
  if (!(shape.class_balance >= 0.0f && shape.class_balance <= 2.0f))
    throw Error("a data pool's class balance " + std::to_string(shape.class_balance) + " must be in [0, 2]");
  const int size = shape.size;
  if (size % kLatentCell != 0) throw Error("a data pool's picture size " + std::to_string(size) + " must be a multiple of 8");
  WorldOptions options;
  options.width = options.height = size;
  options.captions = shape.captions;
  options.scene_weights = shape.scene_weights;
  validate_world_options(options);
  WorldOptions large = options;
  large.width = large.height = 2 * size;
  large.view = size;
  WorldPool pool;
  pool.images = torch::empty({count, 3, size, size}, torch::kUInt8);
  pool.captions.resize(count);
  pool.region_captions.resize(count);
  pool.region_masks = torch::empty({count, 1, size / kLatentCell, size / kLatentCell}, torch::kFloat32);
  if (shape.class_balance > 0.0f) pool.balance_weights = torch::empty_like(pool.region_masks);
  const int workers = std::min(worker_count(threads), count);
  std::vector<std::thread> team;
  std::vector<std::exception_ptr> errors(workers);
  for (int w = 0; w < workers; ++w)
    team.emplace_back([&, w] {
      try {
        for (int i = w; i < count; i += workers) {
          const uint64_t index = first + static_cast<uint64_t>(i);
          const uint64_t coin = mix64(seed ^ mix64(index));
          const bool is_large = static_cast<float>(coin >> 40) * (1.0f / 16777216.0f) < shape.large_share;
          const WorldSample s = make_world_sample(seed, index, is_large ? large : options);
          const bool mirror = (coin & 1) != 0;
          fill_slot(pool.images, i, s, mirror);
          pool.captions[i] = s.caption;
          WorldRng region_rng(mix64(coin ^ 0x5265672e50726f6dull));
          pool.region_captions[i] =
              fill_region(pool.region_masks[i].data_ptr<float>(), s, mirror, shape, region_rng);
          if (shape.class_balance > 0.0f)
            fill_balance(pool.balance_weights[i].data_ptr<float>(), s, mirror, shape.class_balance);
        }
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  for (auto& t : team) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return pool;
}

PoolMaker::PoolMaker(uint64_t seed, uint64_t first, int count, const PoolShape& shape, int threads)
    : seed_(seed), next_first_(first), count_(count), shape_(shape), threads_(threads) {
  start();
}

PoolMaker::~PoolMaker() {
  if (pending_.valid()) pending_.wait();
}

void PoolMaker::start() {
  pending_ = std::async(std::launch::async, make_world_pool, seed_, next_first_, count_, shape_, threads_);
  next_first_ += static_cast<uint64_t>(count_);
}

bool PoolMaker::ready() const {
  return pending_.valid() && pending_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

WorldPool PoolMaker::take() {
  WorldPool pool = pending_.get();
  start();
  return pool;
}

WorldPool PoolMaker::take(const torch::Device& device) {
  WorldPool pool = take();
  pool.images = pool.images.to(device);
  return pool;
}

}  // namespace palette::training
