// Mask storage: tiles shared between copies, written only when this mask is their sole owner.
#include "palette/mask.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>
#include <string>

#include "document/coverage_resample.h"
#include "palette/error.h"

namespace palette {

namespace {

constexpr int T = kMaskTileSize;

bool all_zero(const MaskTile& tile) {
  return std::all_of(tile.coverage.begin(), tile.coverage.end(), [](uint8_t v) { return v == 0; });
}

}  // namespace

Mask::Mask(int width, int height) {
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide)
    throw Error("mask size " + std::to_string(width) + "×" + std::to_string(height) + " must be within 1…" +
                std::to_string(kMaxImageSide) + " pixels per side");
  width_ = width;
  height_ = height;
  tiles_x_ = (width + T - 1) / T;
  tiles_y_ = (height + T - 1) / T;
  tiles_.resize(size_t(tiles_x_) * tiles_y_);
}

uint8_t Mask::at(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return 0;
  const MaskTile* t = tiles_[tile_index(x, y)].get();
  return t == nullptr ? 0 : t->coverage[(y % T) * T + x % T];
}

bool Mask::empty() const {
  return std::all_of(tiles_.begin(), tiles_.end(),
                     [](const auto& t) { return t == nullptr || all_zero(*t); });
}

uint8_t* Mask::mutable_tile(int index) {
  assert(index >= 0 && index < tile_count());
  auto& slot = tiles_[index];
  // use_count() == 1 means no snapshot, undo step or other copy can see this tile: writing in place
  // is invisible to everyone else. Tiles are always created non-const (make_shared<MaskTile>), so
  // the const_cast below writes to a non-const object.
  if (slot == nullptr) {
    slot = std::make_shared<MaskTile>();
  } else if (slot.use_count() != 1) {
    slot = std::make_shared<MaskTile>(*slot);
  } else {
    // use_count() is a relaxed load. When another thread has just dropped its copy (a snapshot the
    // engine released), this fence orders that thread's last reads of the tile before our writes.
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return const_cast<MaskTile*>(slot.get())->coverage.data();
}

void Mask::set_tile(int index, std::shared_ptr<const MaskTile> tile) {
  assert(index >= 0 && index < tile_count());
  tiles_[index] = std::move(tile);
}

void Mask::set(int x, int y, uint8_t value) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const int index = tile_index(x, y);
  if (value == 0 && tiles_[index] == nullptr) return;
  mutable_tile(index)[(y % T) * T + x % T] = value;
}

void Mask::fill(uint8_t value) {
  if (value == 0) {
    std::fill(tiles_.begin(), tiles_.end(), nullptr);
    return;
  }
  auto full = std::make_shared<MaskTile>();
  full->coverage.fill(value);
  for (int ty = 0; ty < tiles_y_; ++ty) {
    for (int tx = 0; tx < tiles_x_; ++tx) {
      const int w = std::min(T, width_ - tx * T);
      const int h = std::min(T, height_ - ty * T);
      if (w == T && h == T) {
        tiles_[ty * tiles_x_ + tx] = full;
        continue;
      }
      auto edge = std::make_shared<MaskTile>();  // keeps the pixels outside the mask at 0
      for (int y = 0; y < h; ++y) std::memset(edge->coverage.data() + y * T, value, size_t(w));
      tiles_[ty * tiles_x_ + tx] = std::move(edge);
    }
  }
}

Image Mask::to_image() const {
  Image image{width_, height_, 1, std::vector<uint8_t>(size_t(width_) * height_, 0)};
  for (int ty = 0; ty < tiles_y_; ++ty) {
    for (int tx = 0; tx < tiles_x_; ++tx) {
      const MaskTile* t = tiles_[ty * tiles_x_ + tx].get();
      if (t == nullptr) continue;
      const int w = std::min(T, width_ - tx * T);
      const int h = std::min(T, height_ - ty * T);
      for (int y = 0; y < h; ++y)
        std::memcpy(image.pixels.data() + size_t(ty * T + y) * width_ + tx * T, t->coverage.data() + y * T,
                    size_t(w));
    }
  }
  return image;
}

Mask Mask::from_image(const Image& image, int width, int height) {
  if (image.width < 1 || image.height < 1 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != size_t(image.width) * image.height * image.channels)
    throw Error("mask image: invalid image (" + std::to_string(image.width) + "×" +
                std::to_string(image.height) + "×" + std::to_string(image.channels) + ", " +
                std::to_string(image.pixels.size()) + " bytes)");
  Mask mask(width, height);
  document::resample_coverage(image, width, height, [&](int y, const uint8_t* values) {
    for (int tx = 0; tx < mask.tiles_x_; ++tx) {
      const int x0 = tx * T;
      const int w = std::min(T, width - x0);
      const uint8_t* segment = values + x0;
      const int index = (y / T) * mask.tiles_x_ + tx;
      // Unpainted stretches leave their tile absent, so sparse masks stay small.
      if (mask.tiles_[index] == nullptr &&
          std::all_of(segment, segment + w, [](uint8_t v) { return v == 0; }))
        continue;
      std::memcpy(mask.mutable_tile(index) + (y % T) * T, segment, size_t(w));
    }
  });
  return mask;
}

bool operator==(const Mask& a, const Mask& b) {
  if (a.width_ != b.width_ || a.height_ != b.height_) return false;
  for (size_t i = 0; i < a.tiles_.size(); ++i) {
    const MaskTile* ta = a.tiles_[i].get();
    const MaskTile* tb = b.tiles_[i].get();
    if (ta == tb) continue;
    if (ta == nullptr ? !all_zero(*tb) : tb == nullptr ? !all_zero(*ta) : ta->coverage != tb->coverage)
      return false;
  }
  return true;
}

}  // namespace palette
