// Sampler names (palette/sampler.h). Deliberately free of LibTorch: the document library uses it.
#include "palette/sampler.h"

#include "palette/error.h"

namespace palette {

std::string_view sampler_name(Sampler sampler) {
  switch (sampler) {
    case Sampler::lcm:
      return "lcm";
    case Sampler::lcm_stream:
      return "lcm_stream";
    case Sampler::ddim:
      return "ddim";
    case Sampler::euler:
      return "euler";
    case Sampler::euler_a:
      return "euler_a";
  }
  return "lcm";  // unreachable: every enumerator is handled above
}

std::string sampler_names() {
  std::string names;
  for (Sampler s : kSamplers) names += (names.empty() ? "" : ", ") + std::string(sampler_name(s));
  return names;
}

Sampler parse_sampler(std::string_view text, std::string_view field) {
  for (Sampler s : kSamplers)
    if (text == sampler_name(s)) return s;
  // Layouts saved before the vocabulary was unified name StreamMultiDiffusion's schedule "smd"; they
  // keep loading, and are written back with the canonical name.
  if (text == "smd") return Sampler::lcm_stream;
  // Cut (at a UTF-8 boundary), so a megabyte of junk in a file does not become a megabyte of message.
  std::string shown(text);
  if (shown.size() > 40) {
    size_t cut = 40;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;
    shown = shown.substr(0, cut) + "…";
  }
  throw Error(std::string(field) + ": unknown sampler '" + shown + "' (known: " + sampler_names() + ")");
}

}  // namespace palette
