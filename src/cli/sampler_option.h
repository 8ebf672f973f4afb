// --sampler as render, panorama and layout new read it: parsed once into palette::Sampler
// (palette/sampler.h), the vocabulary layouts and the app share, so each command takes the same names
// and refuses an unknown one with the same message.
#pragma once

#include <string>

#include "palette/sampler.h"

namespace palette::cli {

// The --sampler help text: the names this command can run, then `default_note` ("the model's own").
std::string sampler_help(bool region_only, const std::string& default_note);

// For text renders and panoramas: the sampler `text` asks for. Throws
// palette::Error "--sampler: unknown sampler …" (palette::parse_sampler), and for lcm_stream, whose
// fixed five-step schedule only the region pipeline runs, a message pointing to lcm.
Sampler text_sampler(const std::string& text);

}  // namespace palette::cli
