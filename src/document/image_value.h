// How a palette file refers to pixels (masks, the background image): a PNG data URI inside the file
// ("data:image/png;base64,…"), or the name of an image file beside it.
#pragma once

#include <filesystem>
#include <string>

#include "palette/image.h"

namespace palette::document {

std::string png_data_uri(const Image& image);  // a valid image

struct ImageLimits {
  int width = 0;  // the exact size required; 0 = any size up to kMaxImageSide
  int height = 0;
  int64_t max_pixels = 0;  // 0 = any size up to kMaxImageSide
};

// The image `value` refers to, with its own channel count. A file name is resolved against `folder`
// and must stay inside it (no absolute paths, no "..", no symbolic link leading out), so a file from elsewhere cannot make the app
// read, and later embed, an arbitrary picture from the user's disk. Throws palette::Error without
// a field name (the caller adds it): bad base64, not a PNG, wrong size, missing file, not a regular
// file. Sizes are judged from the header, before anything is decoded.
Image read_image_value(const std::string& value, const std::filesystem::path& folder,
                       const ImageLimits& limits);

}  // namespace palette::document
