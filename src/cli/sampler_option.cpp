#include "cli/sampler_option.h"

#include "palette/error.h"

namespace palette::cli {

std::string sampler_help(bool region_only, const std::string& default_note) {
  std::string names;
  for (Sampler s : kSamplers)
    if (!region_only || is_region_sampler(s))
      names += (names.empty() ? "" : ", ") + std::string(sampler_name(s));
  return names + (region_only ? " (lcm_stream: StreamMultiDiffusion's 5-step schedule)" : "") +
         (default_note.empty() ? "" : "; default: " + default_note);
}

Sampler text_sampler(const std::string& text) {
  const Sampler sampler = parse_sampler(text, "--sampler");
  if (sampler == Sampler::lcm_stream)
    throw Error(
        "--sampler: lcm_stream (StreamMultiDiffusion's 5-step schedule) is for layouts (render --layout, "
        "stream); a text render or panorama uses lcm, ddim, euler or euler_a");
  return sampler;
}

}  // namespace palette::cli
