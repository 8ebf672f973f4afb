// "Infotext": the plain-text generation settings that AUTOMATIC1111's web UI writes into a PNG's
// "parameters" text chunk and that ComfyUI readers, Civitai, stable-diffusion.cpp and image browsers
// read. Every picture Semantic Palette writes carries one, so those tools show its prompt and settings.
//
//   palette::Infotext info;
//   info.prompt = "a lighthouse at dusk";
//   info.negative_prompt = "blurry";
//   palette::add_generation_fields(info, {.steps = 25, .sampler = palette::Sampler::euler_a, .guidance = 7.5,
//                                         .seed = 42, .width = 512, .height = 512, .model = "models/sd15"});
//   info.add("Regions", "4");                                   // our own keys after the common ones
//   palette::write_png("out.png", image, {{"parameters", palette::format_infotext(info)}});
//
// The text (A1111's layout): the prompt (any number of lines), then "Negative prompt: …" when there is
// one, then one line of "Key: value" pairs joined by ", ":
//
//   a lighthouse at dusk
//   Negative prompt: blurry
//   Steps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: sd15, Version: …
//
// A value holding a comma, a colon, a newline or a leading quote is written as a JSON string, as A1111
// quotes it ("Loras: \"a.safetensors:0.8\""); parse_infotext undoes that.
// Failures: format_infotext throws palette::Error for a key A1111's parser would not read back.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "palette/sampler.h"

namespace palette {

struct Infotext {
  std::string prompt;                                       // may span lines
  std::string negative_prompt;                              // "" = no "Negative prompt:" line
  std::vector<std::pair<std::string, std::string>> fields;  // in order; values unquoted

  void add(std::string key, std::string value);         // appends; an empty value is left out
  const std::string* find(std::string_view key) const;  // the first such field; nullptr if none
};

// The settings every generator records, in A1111's order and spelling.
struct GenerationFields {
  int steps = 0;
  Sampler sampler = Sampler::lcm;  // written as A1111 names it
  double guidance = 0;  // "CFG scale"
  uint64_t seed = 0;
  int width = 0, height = 0;
  std::string model;  // a model folder or file; its name (the last component, less .safetensors) is written
};

// Appends Steps, Sampler, CFG scale, Seed, Size and Model.
void add_generation_fields(Infotext& info, const GenerationFields& fields);

std::string infotext_sampler_name(Sampler sampler);  // euler_a → "Euler a"; lcm_stream: its own name
std::string infotext_model_name(const std::string& model);    // "a/b/sd15.safetensors" → "sd15"; "" → ""
std::string infotext_number(double value);                    // 7.5 → "7.5", 1.0 → "1" (shortest exact)

// The text described above. Throws palette::Error for a key that is not a word character followed
// by one or more word characters, spaces, '-' or '/' (what A1111's parser reads as a key).
std::string format_infotext(const Infotext& info);

// Reads infotext as A1111 does (modules/infotext_utils.py: parse_generation_parameters): the last
// line is the settings when it holds at least three "Key: value" pairs, else it is part of the prompt;
// quoted values are unquoted. Never throws; text of other tools gives what A1111 would make of it.
Infotext parse_infotext(std::string_view text);

}  // namespace palette
