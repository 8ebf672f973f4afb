// A layer's mask: 8-bit coverage (0 = unpainted, 255 = fully painted) kept in 64×64 tiles that copies
// of the mask share. Copying a mask costs one pointer per tile; the first write to a shared tile copies
// that tile only (copy-on-write). Snapshots and undo steps rely on this to stay cheap.
//
//   palette::Mask mask(512, 512);
//   mask.set(10, 20, 255);
//   palette::Mask copy = mask;                 // shares every tile with `mask`
//   copy.set(10, 20, 0);                       // copies one tile first; `mask` still reads 255
//   palette::Image gray = mask.to_image();     // 512 × 512, 1 channel
//
// Invariant: pixels of an edge tile that lie outside the mask are 0; every writer clips to the mask.
// Failures: palette::Error for an invalid size or image. Tile indices and coordinates outside the
// mask are programmer errors for the tile accessors (assert); `at` returns 0 outside.
// Thread safety: const member functions may run on many threads at once, also while another copy of
// the same mask is being edited on another thread (shared tiles are never written in place).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "palette/image.h"

namespace palette {

constexpr int kMaskTileSize = 64;  // pixels per tile side

struct MaskTile {
  std::array<uint8_t, kMaskTileSize * kMaskTileSize> coverage{};  // row-major, 64 pixels per row
};

class Mask {
 public:
  Mask() = default;             // 0 × 0
  Mask(int width, int height);  // all 0; throws palette::Error unless both sides are in [1, kMaxImageSide]

  int width() const { return width_; }
  int height() const { return height_; }
  int tiles_x() const { return tiles_x_; }
  int tiles_y() const { return tiles_y_; }
  int tile_count() const { return static_cast<int>(tiles_.size()); }
  int tile_index(int x, int y) const { return (y / kMaskTileSize) * tiles_x_ + x / kMaskTileSize; }

  uint8_t at(int x, int y) const;  // coverage of pixel (x, y); 0 outside the mask

  // The tile at `index` (ty · tiles_x + tx); nullptr means every pixel of it is 0. The pointer stays
  // valid while this mask holds the tile, i.e. until the next write to this mask.
  const MaskTile* tile(int index) const { return tiles_[index].get(); }
  // The owning handle of a tile: equal handles mean a shared, identical tile (cheap change detection).
  const std::shared_ptr<const MaskTile>& shared_tile(int index) const { return tiles_[index]; }

  bool empty() const;  // every pixel is 0

  void set(int x, int y, uint8_t value);  // ignored outside the mask
  void fill(uint8_t value);               // every pixel; interior tiles share one tile
  // Writable pixels of a tile, for bulk writers that clip to the mask themselves. A shared tile is
  // copied first and an absent (all-0) one allocated; the pointer is valid until the mask is copied
  // or the tile replaced.
  uint8_t* mutable_tile(int index);
  void set_tile(int index, std::shared_ptr<const MaskTile> tile);  // nullptr = all 0

  Image to_image() const;  // width × height × 1 (gray), owned by the caller

  // A mask of width × height from an image's coverage: 1 channel = gray, 2 or 4 channels = alpha,
  // 3 channels = luma (Rec. 601). A different size is resampled per axis: area average where it
  // shrinks, linear interpolation where it enlarges. Throws palette::Error for an empty or inconsistent image
  // or a bad size.
  static Mask from_image(const Image& image, int width, int height);

  friend bool operator==(const Mask& a, const Mask& b);  // same size and pixels
  friend bool operator!=(const Mask& a, const Mask& b) { return !(a == b); }

 private:
  int width_ = 0;
  int height_ = 0;
  int tiles_x_ = 0;
  int tiles_y_ = 0;
  std::vector<std::shared_ptr<const MaskTile>> tiles_;
};

}  // namespace palette
