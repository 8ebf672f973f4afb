#include "document/image_value.h"

#include <algorithm>
#include <string_view>
#include <system_error>

#include "document/base64.h"
#include "document/png_codec.h"
#include "base/image_decode.h"
#include "palette/input_file.h"
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
  if (limits.max_pixels > 0 && int64_t(w) * h > limits.max_pixels)
    throw Error("the image is " + size_text(w, h) + ", above the limit of " +
                std::to_string(limits.max_pixels / 1000000) + " megapixels");
}

// The file a name beside the palette file leads to. The ".." rule alone leaves a symbolic link
// beside the file free to point anywhere, so the resolved path must stay in the resolved folder.
std::filesystem::path resolve_sibling(const std::string& name, const std::filesystem::path& folder) {
  const std::filesystem::path relative(name);
  if (name.empty() || relative.is_absolute() || relative.has_root_name())
    throw Error("'" + name + "' must be a PNG data URI or the name of a file beside this one");
  for (const auto& part : relative)
    if (part == "..") throw Error("'" + name + "' may not leave this file's folder (\"..\")");
  // error_code overloads: names the system refuses (too long, say) must not escape as
  // std::filesystem_error.
  std::error_code error;
  const std::filesystem::path file = std::filesystem::canonical(folder / relative, error);
  if (error) throw Error("'" + name + "': no such file");
  const std::filesystem::path base = std::filesystem::canonical(folder, error);
  if (error) throw Error("'" + name + "': its folder cannot be resolved (" + error.message() + ")");
  const auto left = std::mismatch(base.begin(), base.end(), file.begin(), file.end()).first;
  if (left != base.end())
    throw Error("'" + name + "' leads outside this file's folder (to '" + file.string() + "', through a symbolic link)");
  return file;
}

Image read_sibling(const std::string& name, const std::filesystem::path& folder, const ImageLimits& limits) {
  const std::string bytes = read_input_file(resolve_sibling(name, folder), "an image file", kMaxImageFileBytes);
  try {
    return decode_image(bytes, 0, limits.max_pixels, [&](int w, int h) { check_size(w, h, limits); });
  } catch (const Error& e) {
    throw Error("'" + name + "': " + e.what());
  }
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
