// The reference text-to-image cases (fixtures sd15_txt2img_*, sd21_txt2img_*, sdxl_txt2img_*): diffusers'
// StableDiffusionPipeline and StableDiffusionXLPipeline runs, read by the parity tests and their half-precision CUDA run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "palette/render.h"
#include "palette/safetensors.h"

namespace palette::test {

struct Txt2ImgCase {
  SafetensorsFile file;
  RenderOptions options;
  std::string meta(const std::string& key) const {
    return nlohmann::json::parse(file.metadata().at(key)).get<std::string>();
  }
};

// Options from the case's metadata: prompt, negative prompt, scheduler class, steps, guidance; the
// size from latents_in.
Txt2ImgCase open_txt2img(const std::string& name);

}  // namespace palette::test
