// Colours, range checks and content equality for the document's plain values.
#include "palette/document_data.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "palette/background_image.h"
#include "palette/error.h"
#include "palette/utf8.h"

namespace palette {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

void check_range(const std::string& field, double value, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high)
    throw Error(field + " " + number_text(value) + " must be in [" + number_text(low) + ", " +
                number_text(high) + "]");
}

// Also UTF-8: every string here is written to JSON, which cannot hold other bytes.
void check_length(const std::string& field, const std::string& text, size_t limit) {
  if (text.size() > limit)
    throw Error(field + ": " + std::to_string(text.size()) + " bytes is above the limit of " +
                std::to_string(limit));
  check_utf8(text, field);
}

}  // namespace

std::optional<Color> parse_color(std::string_view text) {
  if (text.size() != 7 || text[0] != '#') return std::nullopt;
  uint8_t bytes[3];
  for (int i = 0; i < 3; ++i) {
    const int hi = hex_digit(text[1 + 2 * i]);
    const int lo = hex_digit(text[2 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = uint8_t(hi * 16 + lo);
  }
  return Color{bytes[0], bytes[1], bytes[2]};
}

std::string to_string(Color color) {
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", color.r, color.g, color.b);
  return text;
}

void validate_canvas_side(const std::string& field, int pixels) {
  const std::string value = field + " " + std::to_string(pixels);
  if (pixels % 8 != 0) throw Error(value + " is not a multiple of 8 (the VAE works on 8×8 pixel blocks)");
  if (pixels < kMinCanvasSide)
    throw Error(value + " is below the minimum of " + std::to_string(kMinCanvasSide));
  if (pixels > kMaxImageSide)
    throw Error(value + " is above the maximum of " + std::to_string(kMaxImageSide));
}

void validate_layer_properties(const LayerProperties& p, const std::string& field) {
  check_length(field + ".name", p.name, kMaxNameBytes);
  check_length(field + ".prompt", p.prompt, kMaxPromptBytes);
  check_length(field + ".negative_prompt", p.negative_prompt, kMaxPromptBytes);
  check_range(field + ".prompt_strength", p.prompt_strength, 0, 1);
  check_range(field + ".mask_strength", p.mask_strength, 0, 1);
  check_range(field + ".mask_blur", p.mask_blur, 0, kMaxMaskBlur);
}

void validate_background(const Background& b, const std::string& field) {
  check_length(field + ".prompt", b.prompt, kMaxPromptBytes);
  check_length(field + ".negative_prompt", b.negative_prompt, kMaxPromptBytes);
  if (b.image != nullptr) {
    const Image& im = *b.image;
    if (im.width < 1 || im.height < 1 || im.width > kMaxImageSide || im.height > kMaxImageSide ||
        im.channels != 3 || im.pixels.size() != size_t(im.width) * im.height * 3)
      throw Error(field + ".image: must be an RGB image of 1…" + std::to_string(kMaxImageSide) +
                  " pixels per side (got " + std::to_string(im.width) + "×" + std::to_string(im.height) +
                  "×" + std::to_string(im.channels) + ")");
    validate_background_image(im, field + ".image");  // the size limit the engine renders
  }
}

void validate_settings(const GenerationSettings& s, const std::string& field) {
  check_length(field + ".model", s.model, kMaxNameBytes);
  if (s.steps < 1 || s.steps > kMaxSteps)
    throw Error(field + ".steps " + std::to_string(s.steps) + " must be in [1, " + std::to_string(kMaxSteps) +
                "]");
  check_range(field + ".guidance", s.guidance, 0, kMaxGuidance);
  if (s.bootstrap_steps < 0 || s.bootstrap_steps > kMaxSteps)
    throw Error(field + ".bootstrap_steps " + std::to_string(s.bootstrap_steps) + " must be in [0, " +
                std::to_string(kMaxSteps) + "]");
}

void validate_content(const DocumentContent& c) {
  validate_canvas_side("canvas.width", c.width);
  validate_canvas_side("canvas.height", c.height);
  validate_settings(c.settings, "settings");
  validate_background(c.background, "background");
  if (c.layers.size() > kMaxLayers)
    throw Error("layers: " + std::to_string(c.layers.size()) + " layers is above the limit of " +
                std::to_string(kMaxLayers));
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const std::string field = "layers[" + std::to_string(i) + "]";
    validate_layer_properties(c.layers[i].properties, field);
    const Mask& m = c.layers[i].mask;
    if (m.width() != c.width || m.height() != c.height)
      throw Error(field + ".mask: " + std::to_string(m.width()) + "×" + std::to_string(m.height()) +
                  " does not match the canvas " + std::to_string(c.width) + "×" + std::to_string(c.height));
  }
}

bool operator==(const LayerProperties& a, const LayerProperties& b) {
  return a.name == b.name && a.color == b.color && a.prompt == b.prompt &&
         a.negative_prompt == b.negative_prompt && a.prompt_strength == b.prompt_strength &&
         a.mask_strength == b.mask_strength && a.mask_blur == b.mask_blur && a.enabled == b.enabled &&
         a.extra == b.extra;
}

bool operator==(const GenerationSettings& a, const GenerationSettings& b) {
  return a.model == b.model && a.sampler == b.sampler && a.steps == b.steps && a.guidance == b.guidance &&
         a.bootstrap_steps == b.bootstrap_steps && a.seed == b.seed && a.extra == b.extra;
}

bool operator==(const Background& a, const Background& b) {
  return a.prompt == b.prompt && a.negative_prompt == b.negative_prompt && same_picture(a.image, b.image) &&
         a.extra == b.extra;
}

bool same_content(const DocumentContent& a, const DocumentContent& b) {
  if (a.width != b.width || a.height != b.height || !(a.settings == b.settings) ||
      !(a.background == b.background) || a.extras.top != b.extras.top || a.extras.canvas != b.extras.canvas ||
      a.layers.size() != b.layers.size())
    return false;
  for (size_t i = 0; i < a.layers.size(); ++i)
    if (!(a.layers[i].properties == b.layers[i].properties) || a.layers[i].mask != b.layers[i].mask)
      return false;
  return true;
}

}  // namespace palette
