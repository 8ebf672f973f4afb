// stb_image / stb_image_write compiled here a second time, static and PNG-only: the copy in
// io/image_file.cpp reads every format from files, this one only PNG from memory.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#include <stb_image.h>
#include <stb_image_write.h>

#include <climits>

#include "document/png_codec.h"
#include "base/image_decode.h"
#include "palette/error.h"

namespace palette::document {

std::vector<uint8_t> encode_png(const Image& image) {
  int size = 0;
  unsigned char* png = stbi_write_png_to_mem(image.pixels.data(), image.width * image.channels, image.width,
                                             image.height, image.channels, &size);
  if (png == nullptr) throw Error("PNG encoding failed");
  std::vector<uint8_t> bytes(png, png + size);
  STBIW_FREE(png);
  return bytes;
}

PngInfo png_info(const std::vector<uint8_t>& png) {
  if (png.size() > size_t(INT_MAX))
    throw Error("PNG data of " + std::to_string(png.size()) + " bytes is too large");
  PngInfo info;
  if (!stbi_info_from_memory(png.data(), int(png.size()), &info.width, &info.height, &info.channels))
    throw Error("not a PNG image (" + std::string(stbi_failure_reason()) + ")");
  return info;
}

Image decode_png(const std::vector<uint8_t>& png, int channels) {
  const PngInfo info = png_info(png);
  if (info.width > kMaxImageSide || info.height > kMaxImageSide)
    throw Error("PNG image " + std::to_string(info.width) + "×" + std::to_string(info.height) +
                " is too large (at most " + std::to_string(kMaxImageSide) + " pixels per side)");
  check_png_data(png.data(), png.size());
  int w = 0, h = 0, n = 0;
  uint8_t* data = stbi_load_from_memory(png.data(), int(png.size()), &w, &h, &n, channels);
  if (data == nullptr)
    throw Error("cannot decode the PNG image (" + std::string(stbi_failure_reason()) + ")");
  Image image{w, h, channels != 0 ? channels : n, {}};
  image.pixels.assign(data, data + size_t(w) * h * image.channels);
  stbi_image_free(data);
  return image;
}

}  // namespace palette::document
