// stb_image / stb_image_write, compiled here with STB_*_STATIC so these symbols stay private to the
// engine and never clash with the copy the app gets through Dear ImGui's -lstb.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "base/atomic_write.h"
#include "base/image_decode.h"
#include "palette/input_file.h"
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

std::string chunk(const std::string& type, const std::string& data) {
  const std::string body = type + data;
  std::string out;
  put_be32(out, static_cast<uint32_t>(data.size()));
  out += body;
  put_be32(out, crc32(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
  return out;
}

bool is_ascii(const std::string& text) {
  for (unsigned char c : text)
    if (c >= 0x80) return false;
  return true;
}

// tEXt for ASCII, else iTXt (PNG 1.2 §4.2.3.3): keyword, NUL, compression flag and method, empty
// language tag and translated keyword (NUL each), UTF-8 text, deflated when asked.
std::string text_chunk(const PngText& t) {
  if (!t.compress && is_ascii(t.text)) return chunk("tEXt", t.keyword + '\0' + t.text);
  std::string data = t.keyword + '\0' + char(t.compress ? 1 : 0) + '\0' + '\0' + '\0';
  if (!t.compress) return chunk("iTXt", data + t.text);
  if (t.text.size() > size_t(INT_MAX)) throw Error("PNG text of " + std::to_string(t.text.size()) + " bytes is too long");
  int size = 0;
  unsigned char* deflated = stbi_zlib_compress(reinterpret_cast<unsigned char*>(const_cast<char*>(t.text.data())),
                                               int(t.text.size()), &size, 8);
  if (deflated == nullptr) throw Error("compressing the PNG text failed");
  data.append(reinterpret_cast<const char*>(deflated), size_t(size));
  STBIW_FREE(deflated);
  return chunk("iTXt", data);
}

std::string latin1_to_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x80) {
      out.push_back(char(c));
    } else {
      out.push_back(char(0xC0 | (c >> 6)));
      out.push_back(char(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// Inflates a text chunk's zlib data into buffers that double up to kMaxPngTextBytes: stb stops at a
// buffer's end, so a small chunk that claims to inflate to gigabytes costs no more than that limit.
std::string inflate_text(const std::string& deflated, const std::string& keyword) {
  if (deflated.size() > size_t(INT_MAX)) throw Error("the '" + keyword + "' text chunk is too large");
  size_t capacity = std::min<size_t>(kMaxPngTextBytes, std::max<size_t>(64 << 10, deflated.size() * 4));
  for (;;) {
    std::string out(capacity, '\0');
    const int n = stbi_zlib_decode_buffer(out.data(), int(capacity), deflated.data(), int(deflated.size()));
    if (n >= 0) {
      out.resize(size_t(n));
      return out;
    }
    if (capacity >= kMaxPngTextBytes)
      throw Error("the '" + keyword + "' text chunk is corrupt or inflates to more than " +
                  std::to_string(kMaxPngTextBytes) + " bytes");
    capacity = std::min<size_t>(kMaxPngTextBytes, capacity * 2);
  }
}

// The keyword and UTF-8 text of a tEXt, zTXt or iTXt chunk's data; nullopt for a malformed one
// (skipped, as other readers do).
std::optional<std::pair<std::string, std::string>> text_of(const std::string& type, const std::string& body) {
  const size_t nul = body.find('\0');
  if (nul == std::string::npos || nul == 0) return std::nullopt;
  std::string keyword = body.substr(0, nul);
  if (type == "tEXt") return std::pair{keyword, latin1_to_utf8(body.substr(nul + 1))};
  if (type == "zTXt") {
    if (body.size() < nul + 2 || body[nul + 1] != 0) return std::nullopt;
    return std::pair{keyword, latin1_to_utf8(inflate_text(body.substr(nul + 2), keyword))};
  }
  // iTXt: compression flag and method, then language tag and translated keyword, each NUL-ended.
  if (body.size() < nul + 3) return std::nullopt;
  const bool compressed = body[nul + 1] != 0;
  const size_t language_end = body.find('\0', nul + 3);
  if (language_end == std::string::npos) return std::nullopt;
  const size_t translated_end = body.find('\0', language_end + 1);
  if (translated_end == std::string::npos) return std::nullopt;
  std::string text = body.substr(translated_end + 1);
  if (compressed) {
    if (body[nul + 2] != 0) return std::nullopt;
    text = inflate_text(text, keyword);
  }
  return std::pair{std::move(keyword), std::move(text)};
}

constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

}  // namespace

namespace {

// Channels per PNG colour type (0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA), or 0 when the
// type is not one; `depths` is a bit mask of the bit depths the type allows.
struct PngColourType {
  int channels;
  unsigned depths;
};
PngColourType png_colour_type(int type) {
  switch (type) {
    case 0: return {1, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 8 | 1u << 16};
    case 2: return {3, 1u << 8 | 1u << 16};
    case 3: return {1, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 8};
    case 4: return {2, 1u << 8 | 1u << 16};
    case 6: return {4, 1u << 8 | 1u << 16};
    default: return {0, 0};
  }
}

// The filtered image data an IHDR describes: each row carries a filter byte; an interlaced image
// is seven sub-images (Adam7), of which an empty one has no rows at all.
uint64_t png_inflated_size(uint64_t width, uint64_t height, int bits_per_pixel, bool interlaced) {
  const auto rows_of = [&](uint64_t w, uint64_t h) { return w == 0 || h == 0 ? 0 : h * (1 + (w * bits_per_pixel + 7) / 8); };
  if (!interlaced) return rows_of(width, height);
  static constexpr int x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
  static constexpr int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
  uint64_t total = 0;
  for (int p = 0; p < 7; ++p)
    total += rows_of(width > uint64_t(x0[p]) ? (width - x0[p] + dx[p] - 1) / dx[p] : 0,
                     height > uint64_t(y0[p]) ? (height - y0[p] + dy[p] - 1) / dy[p] : 0);
  return total;
}

std::string pixels_text(int64_t pixels) {
  return pixels >= 1000000 ? std::to_string(pixels / 1000000) + " megapixels" : std::to_string(pixels) + " pixels";
}

}  // namespace

void check_png_data(const uint8_t* p, size_t size) {
  if (size < 8 || std::memcmp(p, kPngSignature, 8) != 0) throw Error("not a PNG image");
  std::string idat;
  uint64_t width = 0, height = 0, expected = 0;
  bool raw_deflate = false;  // Apple's CgBI variant leaves out the zlib header, as stb allows
  for (size_t at = 8;;) {
    if (size - at < 12) throw Error("truncated PNG image (it ends before its IEND chunk)");
    const uint32_t length = get_be32(p + at);
    if (length > size - at - 12) throw Error("truncated PNG image (a chunk runs past the end)");
    const std::string type(reinterpret_cast<const char*>(p + at + 4), 4);
    const uint8_t* body = p + at + 8;
    if (at == 8) {
      if (type == "CgBI") {
        raw_deflate = true;
        at += 12 + length;
        continue;
      }
    }
    if (expected == 0) {
      if (type != "IHDR" || length != 13) throw Error("not a valid PNG image (it does not start with IHDR)");
      width = get_be32(body);
      height = get_be32(body + 4);
      const int depth = body[8], colour = body[9], interlace = body[12];
      const PngColourType kind = png_colour_type(colour);
      if (width == 0 || height == 0 || kind.channels == 0 || depth > 16 || !(kind.depths & (1u << depth)) ||
          interlace > 1)
        throw Error("not a valid PNG image (bad IHDR: " + std::to_string(width) + "×" + std::to_string(height) +
                    ", colour type " + std::to_string(colour) + ", bit depth " + std::to_string(depth) + ")");
      if (width > uint64_t(kMaxImageSide) || height > uint64_t(kMaxImageSide))
        throw Error("PNG image " + std::to_string(width) + "×" + std::to_string(height) + " is too large (at most " +
                    std::to_string(kMaxImageSide) + " pixels per side)");
      expected = png_inflated_size(width, height, kind.channels * depth, interlace == 1);
    } else if (type == "IDAT") {
      idat.append(reinterpret_cast<const char*>(body), length);
    } else if (type == "IEND") {
      break;
    }
    at += 12 + length;
  }
  // stb takes sizes as int: a larger image could not be decoded anyway.
  if (expected > uint64_t(INT_MAX) || idat.size() > size_t(INT_MAX))
    throw Error("PNG image " + std::to_string(width) + "×" + std::to_string(height) + " is too large to decode");
  // Inflated into a buffer of exactly the size the header implies: stb stops at its end, so data
  // that would inflate further costs no more than a genuine image of this size.
  std::vector<char> out(expected);
  const int n = raw_deflate
                    ? stbi_zlib_decode_noheader_buffer(out.data(), int(expected), idat.data(), int(idat.size()))
                    : stbi_zlib_decode_buffer(out.data(), int(expected), idat.data(), int(idat.size()));
  if (n < 0)
    throw Error("PNG image data is corrupt or inflates to more than the " + std::to_string(expected) +
                " bytes its " + std::to_string(width) + "×" + std::to_string(height) + " header implies");
}

Image decode_image(const std::string& bytes, int channels, int64_t max_pixels, const ImageSizeCheck& check) {
  if (channels < 0 || channels > 4) throw Error("cannot convert to " + std::to_string(channels) + " channels");
  if (bytes.size() > size_t(INT_MAX)) throw Error(std::to_string(bytes.size()) + " bytes is too large an image file");
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = int(bytes.size());
  int w = 0, h = 0, n = 0;
  if (!stbi_info_from_memory(data, size, &w, &h, &n))
    throw Error("not a readable image (" + std::string(stbi_failure_reason()) + ")");
  if (w > kMaxImageSide || h > kMaxImageSide)
    throw Error(std::to_string(w) + "×" + std::to_string(h) + " is too large (at most " +
                std::to_string(kMaxImageSide) + " pixels per side)");
  if (max_pixels > 0 && int64_t(w) * h > max_pixels)
    throw Error(std::to_string(w) + "×" + std::to_string(h) + " is too large (at most " + pixels_text(max_pixels) + ")");
  if (check) check(w, h);
  if (bytes.size() >= 8 && std::memcmp(data, kPngSignature, 8) == 0) check_png_data(data, bytes.size());
  uint8_t* pixels = stbi_load_from_memory(data, size, &w, &h, &n, channels);
  if (pixels == nullptr) throw Error("cannot decode (" + std::string(stbi_failure_reason()) + ")");
  Image image{w, h, channels ? channels : n, {}};
  image.pixels.assign(pixels, pixels + size_t(w) * h * image.channels);
  stbi_image_free(pixels);
  return image;
}

Image read_image(const std::filesystem::path& path, int channels, int64_t max_pixels) {
  const std::string bytes = read_input_file(path, "an image file", kMaxImageFileBytes);
  try {
    return decode_image(bytes, channels, max_pixels);
  } catch (const Error& e) {
    throw Error("'" + path.string() + "': " + e.what());
  }
}

void write_png(const std::filesystem::path& path, const Image& image, const std::vector<PngText>& text) {
  const std::string where = "'" + path.string() + "': ";
  if (image.width <= 0 || image.height <= 0 || image.channels < 1 || image.channels > 4 ||
      image.pixels.size() != size_t(image.width) * image.height * image.channels)
    throw Error(where + "invalid image (" + std::to_string(image.width) + "×" + std::to_string(image.height) + "×" +
                std::to_string(image.channels) + ", " + std::to_string(image.pixels.size()) + " bytes)");
  for (const PngText& t : text)
    if (t.keyword.empty() || t.keyword.size() > 79 || t.keyword.find('\0') != std::string::npos)
      throw Error(where + "invalid PNG text keyword '" + t.keyword + "'");
  std::string chunks;
  try {
    for (const PngText& t : text) chunks += text_chunk(t);
  } catch (const Error& e) {
    throw Error(where + e.what());
  }
  int size = 0;
  unsigned char* png = stbi_write_png_to_mem(image.pixels.data(), image.width * image.channels, image.width,
                                             image.height, image.channels, &size);
  if (png == nullptr) throw Error(where + "PNG encoding failed");
  std::string bytes(reinterpret_cast<char*>(png), size_t(size));
  STBIW_FREE(png);
  // Text chunks go right after IHDR (8-byte signature + 25-byte IHDR chunk).
  bytes.insert(33, chunks);
  write_file_atomically(path, [&](std::FILE* out) { write_bytes(out, bytes.data(), bytes.size(), path); });
}

std::map<std::string, std::string> read_png_text(const std::filesystem::path& path) {
  const std::string bytes = read_input_file(path, "a PNG file", kMaxImageFileBytes);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 8 || std::memcmp(p, kPngSignature, 8) != 0) throw Error("'" + path.string() + "': not a PNG file");
  std::map<std::string, std::string> text;
  for (size_t at = 8; at + 12 <= bytes.size();) {
    const uint32_t length = get_be32(p + at);
    if (length > bytes.size() - at - 12) break;  // truncated chunk: keep what was read
    const std::string type = bytes.substr(at + 4, 4);
    if (type == "tEXt" || type == "zTXt" || type == "iTXt") {
      try {
        if (auto entry = text_of(type, bytes.substr(at + 8, length))) text.insert(std::move(*entry));
      } catch (const Error& e) {
        throw Error("'" + path.string() + "': " + e.what());
      }
    }
    if (type == "IEND") break;
    at += 12 + length;
  }
  return text;
}

}  // namespace palette
