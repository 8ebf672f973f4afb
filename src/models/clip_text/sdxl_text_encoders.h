// SDXL's text conditioning (diffusers' StableDiffusionXLPipeline.encode_prompt): two CLIP text encoders
// read the same prompt through their own tokenizers; the UNet's cross-attention gets both encoders'
// penultimate hidden states (before the final layer norm) side by side, and its added embedding gets the
// second encoder's projected, pooled embedding.
//
//   SdxlTextEncoders encoders{te1, te2, tok1, tok2};
//   SdxlTextEmbeddings e = encoders.encode({"a red house"});   // hidden (1, 77, 768 + 1280), pooled (1, 1280)
//
// Thread safety: as the encoders (encode holds no state of its own).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "models/clip_text/clip_text_model.h"
#include "text/clip_tokenizer.h"

namespace palette {

struct SdxlTextEmbeddings {
  torch::Tensor hidden;  // (B, 77, hidden_1 + hidden_2): the penultimate states, first encoder's first
  torch::Tensor pooled;  // (B, projection_dim): the second encoder's text_embeds
};

struct SdxlTextEncoders {
  ClipTextModel first{nullptr};   // CLIP ViT-L layout, text_encoder/
  ClipTextModel second{nullptr};  // OpenCLIP ViT-bigG layout with a text projection, text_encoder_2/
  std::shared_ptr<const ClipTokenizer> first_tokenizer, second_tokenizer;

  // `zero_empty`: an empty prompt gets zeros for both outputs instead of its encoding — SDXL's
  // force_zeros_for_empty_prompt, which diffusers applies to the negative side when no negative prompt is
  // given (a given "" is encoded like any prompt). Runs under the caller's grad mode, in the encoders' dtype
  // and device.
  // Throws palette::Error when the second encoder has no text projection or the widths do not fit.
  SdxlTextEmbeddings encode(const std::vector<std::string>& prompts, bool zero_empty = false);
};

}  // namespace palette
