// stb_image / stb_image_write, compiled here with STB_*_STATIC so these symbols stay private to the
// engine and never clash with the copy the app gets through Dear ImGui's -lstb.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image.h>
#include <stb_image_write.h>

#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include "io/atomic_write.h"
#include "palette/error.h"
#include "palette/image.h"

namespace palette {

namespace {

uint32_t crc32(const uint8_t* data, size_t size, uint32_t crc = 0) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

void put_be32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

std::string text_chunk(const std::string& keyword, const std::string& text) {
  std::string body = "tEXt" + keyword + '\0' + text;
  std::string chunk;
  put_be32(chunk, static_cast<uint32_t>(body.size() - 4));
  chunk += body;
  put_be32(chunk, crc32(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
  return chunk;
}

constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

}  // namespace

Image read_image(const std::filesystem::path& path, int channels, int64_t max_pixels) {
  const std::string where = "'" + path.string() + "': ";
  if (channels < 0 || channels > 4) throw Error(where + "cannot convert to " + std::to_string(channels) + " channels");
  int w = 0, h = 0, n = 0;
  if (!stbi_info(path.c_str(), &w, &h, &n)) {
    // The non-throwing overload: names the system refuses (too long, …) must not escape as
    // std::filesystem_error.
    std::error_code error;
    if (!std::filesystem::exists(path, error)) throw Error(where + (error ? error.message() : "no such file"));
    throw Error(where + "not a readable image (" + std::string(stbi_failure_reason()) + ")");
  }
  if (w > kMaxImageSide || h > kMaxImageSide)
    throw Error(where + std::to_string(w) + "×" + std::to_string(h) + " is too large (at most " +
                std::to_string(kMaxImageSide) + " pixels per side)");
  if (max_pixels > 0 && int64_t(w) * h > max_pixels)
    throw Error(where + std::to_string(w) + "×" + std::to_string(h) + " is too large (at most " +
                (max_pixels >= 1000000 ? std::to_string(max_pixels / 1000000) + " megapixels)"
                                       : std::to_string(max_pixels) + " pixels)"));
  uint8_t* data = stbi_load(path.c_str(), &w, &h, &n, channels);
  if (data == nullptr) throw Error(where + "cannot decode (" + std::string(stbi_failure_reason()) + ")");
  Image image{w, h, channels ? channels : n, {}};
  image.pixels.assign(data, data + size_t(w) * h * image.channels);
  stbi_image_free(data);
  return image;
}

void write_png(const std::filesystem::path& path, const Image& image, const std::map<std::string, std::string>& text) {
  const std::string where = "'" + path.string() + "': ";
  if (image.width <= 0 || image.height <= 0 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != size_t(image.width) * image.height * image.channels)
    throw Error(where + "invalid image (" + std::to_string(image.width) + "×" + std::to_string(image.height) + "×" +
                std::to_string(image.channels) + ", " + std::to_string(image.pixels.size()) + " bytes)");
  for (const auto& [keyword, value] : text)
    if (keyword.empty() || keyword.size() > 79 || keyword.find('\0') != std::string::npos)
      throw Error(where + "invalid PNG text keyword '" + keyword + "'");
  int size = 0;
  unsigned char* png = stbi_write_png_to_mem(image.pixels.data(), image.width * image.channels, image.width,
                                             image.height, image.channels, &size);
  if (png == nullptr) throw Error(where + "PNG encoding failed");
  std::string bytes(reinterpret_cast<char*>(png), size_t(size));
  STBIW_FREE(png);
  // Text chunks go right after IHDR (8-byte signature + 25-byte IHDR chunk).
  std::string chunks;
  for (const auto& [keyword, value] : text) chunks += text_chunk(keyword, value);
  bytes.insert(33, chunks);
  write_file_atomically(path, [&](std::FILE* out) { write_bytes(out, bytes.data(), bytes.size(), path); });
}

std::map<std::string, std::string> read_png_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("'" + path.string() + "': cannot open");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 8 || std::memcmp(p, kPngSignature, 8) != 0) throw Error("'" + path.string() + "': not a PNG file");
  std::map<std::string, std::string> text;
  for (size_t at = 8; at + 12 <= bytes.size();) {
    const uint32_t length = get_be32(p + at);
    if (length > bytes.size() - at - 12) break;  // truncated chunk: keep what was read
    const std::string type = bytes.substr(at + 4, 4);
    if (type == "tEXt") {
      const std::string body = bytes.substr(at + 8, length);
      const auto nul = body.find('\0');
      if (nul != std::string::npos) text[body.substr(0, nul)] = body.substr(nul + 1);
    }
    if (type == "IEND") break;
    at += 12 + length;
  }
  return text;
}

}  // namespace palette
