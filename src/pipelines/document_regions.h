// What a document's layer and background say about regions, in the pipelines' words: the one copy of
// the field mapping that the one-shot request and the stream snapshot both use.
// Thread safety: pure functions.
#pragma once

#include "palette/document_data.h"
#include "palette/regions.h"

namespace palette {

// Prompt, negative prompt, prompt and mask strengths and blur of `properties`; the mask is the caller's
// (an image for one-shot renders, a cached tensor for the stream).
inline RegionLayer region_layer_of(const LayerProperties& properties) {
  RegionLayer r;
  r.prompt = properties.prompt;
  r.negative_prompt = properties.negative_prompt;
  r.prompt_strength = properties.prompt_strength;
  r.mask_strength = properties.mask_strength;
  r.mask_blur_std = properties.mask_blur;
  return r;
}

// The background's prompts and picture (shared, not copied).
inline RegionBackground region_background_of(const Background& background) {
  RegionBackground b;
  b.prompt = background.prompt;
  b.negative_prompt = background.negative_prompt;
  b.image = background.image;
  return b;
}

}  // namespace palette
