// The samplers by one name everywhere: the CLI's --sampler, a layout's settings.sampler and the app's
// sampler menu all parse and print through this pair, so a name means the same thing in each.
//
//   palette::Sampler s = palette::parse_sampler("euler_a", "--sampler");  // Sampler::euler_a
//   std::cout << palette::sampler_name(s);                                 // "euler_a"
//
// No LibTorch here: the document library (palette/document_data.h) stores a Sampler.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace palette {

enum class Sampler {
  lcm,         // Latent Consistency Model sampling on diffusers' LCMScheduler schedule for `steps` steps
  lcm_stream,  // the same sampler on StreamMultiDiffusion's schedule: indices {0, 4, 12, 25, 37} of LCM's
               // 50-step grid (timesteps 999, 919, 759, 499, 259); five steps. Layouts called it "smd".
  ddim,        // diffusers' DDIMScheduler
  euler,       // diffusers' EulerDiscreteScheduler
  euler_a,     // diffusers' EulerAncestralDiscreteScheduler
};

inline constexpr Sampler kSamplers[] = {Sampler::lcm, Sampler::lcm_stream, Sampler::ddim, Sampler::euler,
                                        Sampler::euler_a};  // in the order help texts list them

inline constexpr int kLcmStreamSteps = 5;  // lcm_stream's schedule has exactly this many steps

// The sampler `text` names: a canonical name, or "smd" (layouts written before the names were unified)
// for lcm_stream. Throws palette::Error "FIELD: unknown sampler 'TEXT' (known: lcm, lcm_stream, ddim,
// euler, euler_a)"; `field` is the option or JSON field it came from ("--sampler", "settings.sampler").
Sampler parse_sampler(std::string_view text, std::string_view field);

std::string_view sampler_name(Sampler sampler);  // canonical name, e.g. "euler_a"; static storage
std::string sampler_names();                     // "lcm, lcm_stream, ddim, euler, euler_a", for help texts

// Whether the region pipeline (layouts, the live stream) can run `sampler`: LCM on either schedule.
constexpr bool is_region_sampler(Sampler sampler) {
  return sampler == Sampler::lcm || sampler == Sampler::lcm_stream;
}

}  // namespace palette
