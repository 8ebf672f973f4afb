// Reading palette and layout files: checks in file order, so the first problem is the one named,
// and nothing is built into a Document until the whole file has been read.
#include <algorithm>
#include <fstream>
#include <map>
#include <new>

#include "document/image_value.h"
#include "document/json_fields.h"
#include "palette/background_image.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/input_file.h"
#include "palette/json_input.h"

namespace palette {

namespace {

using document::fail;
using document::Json;
using document::ObjectReader;

constexpr const char* kFormatName = "semantic-palette";
// A layout needs a few values per layer (14 with the mask) and 256 layers at most; the rest is room
// for keys other tools add, which are kept. 40–50 bytes each in the parsed tree: about 50 MB.
constexpr JsonLimits kDocumentJsonLimits{64, 1'000'000};

Json parse_json(std::string_view text) { return parse_bounded_ordered_json(text, kDocumentJsonLimits); }

void read_header(ObjectReader& top, DocumentKind& kind) {
  const Json* format = top.find("format");
  if (format == nullptr) fail("format", "missing: not a Semantic Palette file");
  if (!format->is_string() || *format != kFormatName)
    fail("format",
         document::describe(*format) + " is not \"" + kFormatName + "\" (not a Semantic Palette file)");
  const int64_t version = top.integer("version");
  if (version > kDocumentFormatVersion)
    fail("version", std::to_string(version) + " is newer than this program reads (" +
                        std::to_string(kDocumentFormatVersion) + "): update Semantic Palette to open it");
  if (version < 1) fail("version", std::to_string(version) + " must be at least 1");
  const std::string name = top.string("kind", 16);
  if (name != "palette" && name != "layout")
    fail("kind", document::describe(top.require("kind")) + " must be \"palette\" or \"layout\"");
  kind = name == "layout" ? DocumentKind::Layout : DocumentKind::Palette;
}

int canvas_side(ObjectReader& canvas, const std::string& key) {
  const int64_t value = canvas.integer(key);
  if (value < 0 || value > kMaxImageSide * 8)
    fail(canvas.field(key), std::to_string(value) + " is out of range");
  validate_canvas_side(canvas.field(key), int(value));
  return int(value);
}

// Backgrounds are kept as RGB whatever the file held: gray is spread over the channels, alpha dropped.
Image to_rgb(Image image) {
  if (image.channels == 3) return image;
  Image rgb{image.width, image.height, 3, std::vector<uint8_t>(size_t(image.width) * image.height * 3)};
  for (size_t i = 0, n = size_t(image.width) * image.height; i < n; ++i)
    for (int c = 0; c < 3; ++c)
      rgb.pixels[i * 3 + c] = image.pixels[i * image.channels + (image.channels < 3 ? 0 : c)];
  return rgb;
}

GenerationSettings read_settings(const Json& value) {
  ObjectReader r(value, "settings");
  GenerationSettings s;
  s.model = r.string("model", kMaxNameBytes, s.model);
  if (r.find("sampler") != nullptr)
    s.sampler = parse_sampler(r.string("sampler", kMaxNameBytes), r.field("sampler"));
  const int64_t steps = r.integer("steps", s.steps);
  if (steps < 1 || steps > kMaxSteps)
    fail(r.field("steps"), std::to_string(steps) + " must be in [1, " + std::to_string(kMaxSteps) + "]");
  s.steps = int(steps);
  s.guidance = r.number("guidance", s.guidance);
  const int64_t bootstrap = r.integer("bootstrap_steps", s.bootstrap_steps);
  if (bootstrap < 0 || bootstrap > kMaxSteps)
    fail(r.field("bootstrap_steps"), std::to_string(bootstrap) + " must be in [0, " + std::to_string(kMaxSteps) + "]");
  s.bootstrap_steps = int(bootstrap);
  if (const Json* seed = r.find("seed"); seed != nullptr && !seed->is_null()) {
    if (!seed->is_number_unsigned())
      fail(r.field("seed"),
           "must be a whole number in [0, 2^64 - 1] or null (random), got " + document::describe(*seed));
    s.seed = seed->get<uint64_t>();
  }
  s.extra = r.unknown();
  validate_settings(s, "settings");
  return s;
}

Background read_background(const Json& value, DocumentKind kind, const std::filesystem::path& folder) {
  ObjectReader r(value, "background");
  Background b;
  b.prompt = r.string("prompt", kMaxPromptBytes, "");
  b.negative_prompt = r.string("negative_prompt", kMaxPromptBytes, "");
  if (const Json* image = r.find("image"); image != nullptr && !image->is_null()) {
    if (kind == DocumentKind::Palette)
      fail(r.field("image"), "a palette stores no images (use \"kind\": \"layout\")");
    const std::string text = document::string_value(*image, r.field("image"), kMaxDocumentFileBytes);
    try {
      Image picture = to_rgb(document::read_image_value(text, folder, {0, 0, kMaxBackgroundPixels}));
      b.image = std::make_shared<const Image>(std::move(picture));
    } catch (const Error& e) {
      fail(r.field("image"), e.what());
    }
  }
  b.extra = r.unknown();
  validate_background(b, "background");
  return b;
}

Layer read_layer(const Json& value, const std::string& path, DocumentKind kind, int width, int height,
                 const std::filesystem::path& folder) {
  ObjectReader r(value, path);
  Layer layer;
  LayerProperties& p = layer.properties;
  p.name = r.string("name", kMaxNameBytes);
  const std::string color = r.string("color", 64);
  const auto parsed = parse_color(color);
  if (!parsed) fail(r.field("color"), Json(color).dump() + " is not a colour (#rrggbb)");
  p.color = *parsed;
  p.prompt = r.string("prompt", kMaxPromptBytes);
  p.negative_prompt = r.string("negative_prompt", kMaxPromptBytes, "");
  p.prompt_strength = r.number("prompt_strength", p.prompt_strength);
  p.mask_strength = r.number("mask_strength", p.mask_strength);
  p.mask_blur = r.number("mask_blur", p.mask_blur);
  p.enabled = r.boolean("enabled", p.enabled);
  validate_layer_properties(p, path);
  const Json* mask = r.find("mask");
  if (kind == DocumentKind::Palette) {
    if (mask != nullptr && !mask->is_null())
      fail(r.field("mask"), "a palette stores no masks (use \"kind\": \"layout\")");
    layer.mask = Mask(width, height);
  } else {
    if (mask == nullptr) fail(r.field("mask"), "missing (a layout stores every layer's mask)");
    const std::string text = document::string_value(*mask, r.field("mask"), kMaxDocumentFileBytes);
    try {
      layer.mask = Mask::from_image(document::read_image_value(text, folder, {width, height}), width, height);
    } catch (const Error& e) {
      fail(r.field("mask"), e.what());
    }
  }
  p.extra = r.unknown();
  return layer;
}

DocumentContent read_content(const Json& root, DocumentKind& kind, const std::filesystem::path& folder) {
  ObjectReader top(root, "");
  read_header(top, kind);
  DocumentContent c;
  ObjectReader canvas(top.require("canvas"), "canvas");
  c.width = canvas_side(canvas, "width");
  c.height = canvas_side(canvas, "height");
  c.extras.canvas = canvas.unknown();
  if (const Json* s = top.find("settings")) c.settings = read_settings(*s);
  if (const Json* b = top.find("background")) c.background = read_background(*b, kind, folder);
  const Json& layers = top.require("layers");
  if (!layers.is_array()) fail("layers", "must be an array, got " + document::describe(layers));
  if (layers.size() > kMaxLayers)
    fail("layers",
         std::to_string(layers.size()) + " layers is above the limit of " + std::to_string(kMaxLayers));
  if (kind == DocumentKind::Layout &&
      uint64_t(c.width) * uint64_t(c.height) * layers.size() > kMaxMaskPixelsPerFile)
    fail("layers", std::to_string(layers.size()) + " masks of " + std::to_string(c.width) + "×" +
                       std::to_string(c.height) + " exceed the limit of " +
                       std::to_string(kMaxMaskPixelsPerFile) + " mask pixels per file");
  for (size_t i = 0; i < layers.size(); ++i)
    c.layers.push_back(
        read_layer(layers[i], "layers[" + std::to_string(i) + "]", kind, c.width, c.height, folder));
  c.extras.top = top.unknown();
  return c;
}

// Everything after the parse; the caller's text may be gone by now.
LoadedDocument read_document(const Json& root, const std::string& source, const std::filesystem::path& folder) {
  try {
    DocumentKind kind = DocumentKind::Palette;
    DocumentContent content = read_content(root, kind, folder.empty() ? std::filesystem::path(".") : folder);
    return {Document(std::move(content)), kind};
  } catch (const Error& e) {
    throw Error("'" + source + "': " + e.what());
  } catch (const std::bad_alloc&) {
    throw Error("'" + source + "': not enough memory to read it");
  }
}

Json parse_text(std::string_view json_text, const std::string& source) {
  try {
    if (json_text.size() > kMaxDocumentFileBytes)
      throw Error(std::to_string(json_text.size()) + " bytes is above the limit of " +
                  std::to_string(kMaxDocumentFileBytes) + " for a palette file");
    return parse_json(json_text);
  } catch (const Error& e) {
    throw Error("'" + source + "': " + e.what());
  } catch (const std::bad_alloc&) {
    throw Error("'" + source + "': not enough memory to read it");
  }
}

// A PNG is told by its signature, not its name: a layout saved as "x.png" by mistake still reads.
bool is_png_file(const std::filesystem::path& path) {
  static constexpr char kSignature[8] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n'};
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  return in.read(head, 8) && std::equal(head, head + 8, kSignature);
}

// The layout export_png put into a picture (png_export.cpp). Every failure names the file and the
// chunk; nothing is built until the whole layout has been read, as for a layout file.
LoadedDocument load_png_layout(const std::filesystem::path& path) {
  const std::map<std::string, std::string> chunks = read_png_text(path);  // throws naming the file
  const auto chunk = chunks.find(kLayoutPngKeyword);
  if (chunk == chunks.end())
    throw Error("'" + path.string() + "' carries no Semantic Palette layout (no '" + kLayoutPngKeyword +
                "' chunk): only pictures rendered from a layout (palette render --layout, the app's "
                "export, palette stream) hold one; to paint over this picture, use it as the background "
                "(--background, or drop it on the window)");
  const std::string source = path.string() + "' chunk '" + kLayoutPngKeyword;  // "'x.png' chunk '…': "
  LoadedDocument loaded = read_document(parse_text(chunk->second, source), source, path.parent_path());
  loaded.from_picture = true;
  return loaded;
}

}  // namespace

LoadedDocument parse_document(std::string_view json_text, const std::string& source,
                              const std::filesystem::path& folder) {
  return read_document(parse_text(json_text, source), source, folder);
}

bool png_carries_layout(const std::filesystem::path& path) {
  try {
    return read_png_text(path).count(kLayoutPngKeyword) > 0;
  } catch (const std::exception&) {
    return false;
  }
}

LoadedDocument load_document(const std::filesystem::path& path) {
  if (is_png_file(path)) return load_png_layout(path);
  Json root;
  {
    // The text goes before the masks are decoded: the tree holds its strings already.
    const std::string text = read_input_file(path, "a palette or layout file", kMaxDocumentFileBytes,
                                             kMaxDocumentFileBytesReason);
    root = parse_text(text, path.string());
  }
  return read_document(root, path.string(), path.parent_path());
}

}  // namespace palette
