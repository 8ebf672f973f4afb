// Background images as the app and the CLI meet them: files of any format, size and channel count.
#include <string>

#include "palette/background_image.h"
#include "palette/error.h"

namespace palette {

namespace {

std::string size_text(int width, int height) {
  return std::to_string(width) + "×" + std::to_string(height);
}

}  // namespace

Image read_background_image(const std::filesystem::path& path) {
  return read_image(path, 3, kMaxBackgroundPixels);  // stb converts gray and drops alpha
}

std::string background_size_note(const Image& image, int canvas_width, int canvas_height) {
  if (image.width == canvas_width && image.height == canvas_height) return "";
  std::string note = "the background image " + size_text(image.width, image.height) +
                     " is resized to the canvas " + size_text(canvas_width, canvas_height);
  // Cross-multiplied: equal ratios compare exactly.
  if (int64_t(image.width) * canvas_height != int64_t(image.height) * canvas_width)
    note += " (stretched: its proportions differ)";
  return note;
}

void validate_background_image(const Image& image, const std::string& field) {
  const std::string got =
      " (got " + size_text(image.width, image.height) + "×" + std::to_string(image.channels) + ")";
  if (image.channels != 1 && image.channels != 3 && image.channels != 4)
    throw Error(field + ": needs 1 (gray), 3 (RGB) or 4 (RGBA) channels" + got);
  if (image.width < 1 || image.height < 1 || image.width > kMaxImageSide || image.height > kMaxImageSide)
    throw Error(field + ": must be 1…" + std::to_string(kMaxImageSide) + " pixels per side" + got);
  if (int64_t(image.width) * image.height > kMaxBackgroundPixels)
    throw Error(field + ": is too large, at most " + std::to_string(kMaxBackgroundPixels / 1000000) +
                " megapixels" + got);
  if (image.pixels.size() != size_t(image.width) * size_t(image.height) * size_t(image.channels))
    throw Error(field + ": the pixel buffer does not match its size" + got);
}

}  // namespace palette
