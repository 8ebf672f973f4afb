// Turning an image into mask coverage rows of another size, one row at a time, so that converting a
// 16384-pixel image never holds a second full-size copy in memory.
#pragma once

#include <cstdint>
#include <functional>

#include "palette/image.h"

namespace palette::document {

// The coverage of a pixel: gray for 1 channel, alpha for 2 or 4, Rec. 601 luma for 3.
uint8_t pixel_coverage(const uint8_t* pixel, int channels);

// Calls `row(y, values)` for y = 0 … height − 1 with `width` coverage values of `image` resampled to
// width × height: copied when the size matches, otherwise resampled per axis, by area averaging where
// it shrinks and linear interpolation where it enlarges.
// `image` must be valid (checked by the caller).
void resample_coverage(const Image& image, int width, int height,
                       const std::function<void(int y, const uint8_t* values)>& row);

}  // namespace palette::document
