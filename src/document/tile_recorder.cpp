#include "document/tile_recorder.h"

#include <algorithm>

namespace palette::document {

namespace {

bool same_pixels(const MaskTile* a, const MaskTile* b) {
  if (a == b) return true;
  const auto zero = [](const MaskTile* t) {
    return std::all_of(t->coverage.begin(), t->coverage.end(), [](uint8_t v) { return v == 0; });
  };
  if (a == nullptr) return zero(b);
  if (b == nullptr) return zero(a);
  return a->coverage == b->coverage;
}

}  // namespace

uint8_t* TileRecorder::write(Mask& mask, int index) {
  before_.try_emplace(index, mask.shared_tile(index));
  return mask.mutable_tile(index);
}

void TileRecorder::replace(Mask& mask, int index, std::shared_ptr<const MaskTile> tile) {
  before_.try_emplace(index, mask.shared_tile(index));
  mask.set_tile(index, std::move(tile));
}

std::vector<TileChange> TileRecorder::finish(Mask& mask) {
  std::vector<TileChange> changes;
  for (auto& [index, before] : before_) {
    const MaskTile* now = mask.tile(index);
    if (same_pixels(before.get(), now)) {
      mask.set_tile(index, before);
      continue;
    }
    if (now != nullptr && same_pixels(nullptr, now)) mask.set_tile(index, nullptr);
    changes.push_back({index, before, mask.shared_tile(index)});
  }
  before_.clear();
  // Sorted so that an undo step's tiles are in canvas order, whatever the hash map did.
  std::sort(changes.begin(), changes.end(),
            [](const TileChange& a, const TileChange& b) { return a.index < b.index; });
  return changes;
}

void apply_tiles(Mask& mask, const std::vector<TileChange>& changes, bool use_before) {
  for (const TileChange& c : changes) mask.set_tile(c.index, use_before ? c.before : c.after);
}

}  // namespace palette::document
