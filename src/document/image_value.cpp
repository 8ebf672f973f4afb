#include "document/image_value.h"

#include <string_view>
#include <system_error>

#include "document/base64.h"
#include "document/png_codec.h"
#include "palette/error.h"

namespace palette::document {

namespace {

constexpr std::string_view kPngDataPrefix = "data:image/png;base64,";

std::string size_text(int w, int h) {
  return std::to_string(w) + "×" + std::to_string(h);
}

void check_size(int w, int h, const ImageLimits& limits) {
  if (limits.width != 0 && (w != limits.width || h != limits.height))
    throw Error("the image is " + size_text(w, h) + ", expected the canvas size " +
                size_text(limits.width, limits.height));
}

Image read_sibling(const std::string& name, const std::filesystem::path& folder, const ImageLimits& limits) {
  const std::filesystem::path relative(name);
  if (name.empty() || relative.is_absolute() || relative.has_root_name())
    throw Error("'" + name + "' must be a PNG data URI or the name of a file beside this one");
  for (const auto& part : relative)
    if (part == "..") throw Error("'" + name + "' may not leave this file's folder (\"..\")");
  // Checked here with an error_code: read_image's own check throws std::filesystem_error, not
  // palette::Error, for names the system refuses (too long, say).
  std::error_code error;
  if (!std::filesystem::is_regular_file(folder / relative, error))
    throw Error("'" + name + "': no such file");
  const Image image = read_image(folder / relative);
  check_size(image.width, image.height, limits);
  return image;
}

}  // namespace

std::string png_data_uri(const Image& image) {
  const std::vector<uint8_t> png = encode_png(image);
  return std::string(kPngDataPrefix) + base64_encode(png.data(), png.size());
}

Image read_image_value(const std::string& value, const std::filesystem::path& folder,
                       const ImageLimits& limits) {
  if (value.rfind("data:", 0) != 0) return read_sibling(value, folder, limits);
  if (value.rfind(kPngDataPrefix, 0) != 0)
    throw Error("only PNG data URIs (" + std::string(kPngDataPrefix) + "…) are supported");
  const std::vector<uint8_t> png = base64_decode(std::string_view(value).substr(kPngDataPrefix.size()));
  const PngInfo info = png_info(png);
  check_size(info.width, info.height, limits);  // before decoding: a wrong size costs no allocation
  return decode_png(png);
}

}  // namespace palette::document
