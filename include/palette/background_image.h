// Background images: a picture the layers are painted over (the reference app's inpainting mode). The
// engine encodes it once into the background latent, keeps that latent wherever nothing is painted and
// blends the generated picture into the picture through the layers' blurred masks, so unpainted pixels
// stay the original's (palette/regions.h, palette/stream.h). Here: what the app and the CLI share to
// read one from a file and to tell the user what will happen to it.
//
//   palette::Image photo = palette::read_background_image("photo.jpg");  // RGB8
//   std::string note = palette::background_size_note(photo, 512, 512);   // "" when it fits the canvas
//
// Failures: palette::Error naming the file (or `field`) and the problem: missing, not an image, too
// large. Nothing is allocated for the pixels of an image that is refused.
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "palette/image.h"

namespace palette {

// Larger pictures are refused (a decoded 64-megapixel RGB picture already takes 192 MB, and four times
// that as floats while it is resized).
constexpr int64_t kMaxBackgroundPixels = 64'000'000;

// Reads a picture file (PNG, JPEG, BMP, …) as RGB8: gray is spread over the channels, alpha dropped.
// Refuses an image over kMaxBackgroundPixels before decoding it.
Image read_background_image(const std::filesystem::path& path);

// What the engine will do to a picture of another size than the canvas, for the user to read ("the
// background image 640×480 is resized to the canvas 512×512 (stretched: …)"); "" when it fits.
std::string background_size_note(const Image& image, int canvas_width, int canvas_height);

// Throws palette::Error naming `field` unless `image` is 1, 3 or 4 channels, 1 … kMaxImageSide pixels per
// side, at most kMaxBackgroundPixels, with a pixel buffer of the right size.
void validate_background_image(const Image& image, const std::string& field);

}  // namespace palette
