// What a Semantic Palette document holds, as plain values: the canvas, the generation settings, the
// background and the ordered layers (each a prompt painted into a mask). palette::Document edits it
// with undo; palette::Snapshot is an immutable copy of it for the engine; palette/document_file.h
// reads and writes it as JSON.
//
//   palette::LayerProperties sky;
//   sky.name = "sky";
//   sky.color = *palette::parse_color("#4080ff");
//   sky.prompt = "a clear blue sky";
//   palette::validate_layer_properties(sky, "layers[0]");   // throws naming the field
//
// Unknown keys met in a file are kept in the `extra` objects and written back; values of `extra`
// whose key the format knows are never written (the known value wins).
// Failures: the validate_* functions throw palette::Error naming the field ("layers[0].prompt_strength
// 1.5 must be in [0, 1]").
// Thread safety: plain values; a const object may be read from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "palette/image.h"
#include "palette/mask.h"
#include "palette/sampler.h"

namespace palette {

using LayerId = uint64_t;  // stable for a layer's life in one Document, never reused there; 0 = none

// Limits that protect against broken or hostile files; the editing functions enforce them too.
constexpr size_t kMaxLayers = 256;
constexpr size_t kMaxPromptBytes = 64 * 1024;  // each prompt and negative prompt (UTF-8 bytes)
constexpr size_t kMaxNameBytes = 1024;         // layer names, model references, sampler names
constexpr int kMinCanvasSide = 64;             // canvas sides: multiples of 8 in [64, kMaxImageSide]
constexpr double kMaxMaskBlur = 1024;          // pixels (Gaussian σ)
constexpr double kMaxGuidance = 100;
constexpr int kMaxSteps = 1000;

struct Color {
  uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(Color a, Color b) { return a.r == b.r && a.g == b.g && a.b == b.b; }
  friend bool operator!=(Color a, Color b) { return !(a == b); }
};

std::optional<Color> parse_color(std::string_view text);  // "#rrggbb", either case; nullopt otherwise
std::string to_string(Color color);                       // "#rrggbb", lower case

struct LayerProperties {
  std::string name;
  Color color;  // the brush colour that stands for this layer on the canvas
  std::string prompt;
  std::string negative_prompt;   // used when guidance > 1
  double prompt_strength = 1.0;  // [0, 1]: 0 = the background's prompt, 1 = this layer's
  double mask_strength = 1.0;    // [0, 1]: the mask is multiplied by it after blurring
  double mask_blur = 0.0;        // [0, kMaxMaskBlur]: Gaussian σ in canvas pixels
  bool enabled = true;           // disabled layers are kept but not rendered
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // unknown keys of the file
};

struct Layer {
  LayerId id = 0;
  LayerProperties properties;
  Mask mask;                   // canvas-sized
  uint64_t mask_revision = 0;  // changes exactly when `mask` changes; see Document
};

struct Background {
  std::string prompt;
  std::string negative_prompt;
  // Optional (nullptr = none), RGB8, any size up to kMaxBackgroundPixels (palette/background_image.h):
  // the picture the layers are painted over; the engine resizes it to the canvas.
  std::shared_ptr<const Image> image;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

struct GenerationSettings {
  std::string model;             // a model folder or file as the user gave it; "" = the client's choice
  Sampler sampler = Sampler::lcm;  // layouts render with lcm or lcm_stream (palette/layout_render.h)
  int steps = 5;                 // [1, kMaxSteps]
  double guidance = 1.0;         // [0, kMaxGuidance]; ≤ 1 = no classifier-free guidance
  // The first steps that draw each layer on white, centred in its mask (StreamMultiDiffusion's
  // bootstrapping; the papers' 1), in [0, kMaxSteps]; more than `steps` means every step. The built-in
  // model's examples use 0: it never saw a white background in training (bench/default-model/).
  int bootstrap_steps = 1;
  std::optional<uint64_t> seed;  // empty = a new random seed per render
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

// Unknown keys of the file's top level and of its "canvas" object.
struct FileExtras {
  nlohmann::ordered_json top = nlohmann::ordered_json::object();
  nlohmann::ordered_json canvas = nlohmann::ordered_json::object();
};

struct DocumentContent {
  int width = 512;  // canvas, pixels
  int height = 512;
  GenerationSettings settings;
  Background background;
  std::vector<Layer> layers;  // bottom to top: a later layer covers the earlier ones
  FileExtras extras;
};

// An immutable copy of a document for the engine (palette::Document::snapshot()). It shares mask
// tiles with the document, so making one after every stroke costs a few pointer copies per layer.
// The engine diffs two snapshots of one document by (layer id, mask_revision) and the properties.
struct Snapshot : DocumentContent {
  uint64_t document_id = 0;  // random per Document: snapshots of different documents never match
  uint64_t version = 0;      // increases with every change of the document
};

// Each throws palette::Error naming `field` (or field + "." + member) for a value out of range.
void validate_canvas_side(const std::string& field, int pixels);  // multiple of 8 in [64, kMaxImageSide]
void validate_layer_properties(const LayerProperties& properties, const std::string& field);
void validate_background(const Background& background, const std::string& field);
void validate_settings(const GenerationSettings& settings, const std::string& field);
// All of the above, the layer count, and every mask being canvas-sized.
void validate_content(const DocumentContent& content);

// Equal canvas, settings, background (image pixels included), layers (properties and mask pixels)
// and unknown keys. Layer ids, mask revisions and snapshot versions are ignored.
bool same_content(const DocumentContent& a, const DocumentContent& b);
bool operator==(const LayerProperties& a, const LayerProperties& b);
bool operator==(const GenerationSettings& a, const GenerationSettings& b);
bool operator==(const Background& a, const Background& b);

}  // namespace palette
