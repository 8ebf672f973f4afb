#include "training/unknown_words.h"

#include <algorithm>
#include <vector>

#include "training/world_noise.h"

namespace palette::training {

torch::Tensor with_unknown_words(torch::Tensor ids, double share, uint64_t seed, int64_t keep_rows) {
  if (share <= 0) return ids;
  WorldRng rng(seed);
  constexpr int64_t kStart = 49406, kEnd = 49407;
  auto a = ids.accessor<int64_t, 2>();
  const int64_t length = ids.size(1);
  for (int64_t i = keep_rows; i < ids.size(0); ++i) {
    if (!rng.chance(static_cast<float>(share))) continue;
    std::vector<int64_t> row;
    for (int64_t j = 1; j < length && a[i][j] != kEnd; ++j) row.push_back(a[i][j]);
    for (int n = 1 + rng.below(3); n > 0; --n) {
      const auto at = row.begin() + rng.below(static_cast<int>(row.size()) + 1);
      row.insert(at, static_cast<int64_t>(rng.below(static_cast<int>(kStart))));
    }
    row.resize(std::min<size_t>(row.size(), static_cast<size_t>(length - 2)));
    for (int64_t j = 1; j < length; ++j) a[i][j] = kEnd;
    for (size_t j = 0; j < row.size(); ++j) a[i][static_cast<int64_t>(j) + 1] = row[j];
  }
  return ids;
}

}  // namespace palette::training
