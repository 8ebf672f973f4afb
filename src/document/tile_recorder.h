// Undo for mask edits at tile granularity: an edit (a stroke, a fill) writes through a TileRecorder,
// which remembers each tile as it was before the edit's first write to it. The undo step keeps those
// tiles and the ones that replaced them, and nothing else.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "palette/mask.h"

namespace palette::document {

struct TileChange {
  int index;
  std::shared_ptr<const MaskTile> before, after;  // nullptr = all 0
};

class TileRecorder {
 public:
  // mask.mutable_tile(index), remembering the tile first if this is the edit's first write to it.
  uint8_t* write(Mask& mask, int index);
  void replace(Mask& mask, int index, std::shared_ptr<const MaskTile> tile);  // likewise, for whole tiles

  // The tiles whose pixels differ from before the edit. Tiles that were written back to their old
  // pixels get their old (shared) tile again, and tiles that became all 0 are made absent, in `mask`.
  // The recorder is empty afterwards.
  std::vector<TileChange> finish(Mask& mask);

  size_t touched() const { return before_.size(); }

 private:
  std::unordered_map<int, std::shared_ptr<const MaskTile>> before_;
};

// Puts `before` (undo) or `after` (redo) of each change into `mask`.
void apply_tiles(Mask& mask, const std::vector<TileChange>& changes, bool use_before);

}  // namespace palette::document
