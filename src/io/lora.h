// LoRA files merged into the weights at load: W += scale · (alpha / rank) · up @ down.
// Accepted spellings (all seen in the wild for SD 1.x / 2.x):
//   kohya:           lora_unet_<module_with_underscores>.{lora_down,lora_up}.weight [.alpha]
//                    (module in diffusers or in original input_blocks/… naming), lora_te_<module>…
//   PEFT / diffusers: [unet.|text_encoder.]<module>.{lora_A,lora_B}.weight [.alpha]
//   older diffusers: <module>.processor.to_q_lora.{down,up}.weight, <module>.lora.{down,up}.weight
#pragma once

#include <filesystem>
#include <string>

#include "models/module_weights.h"

namespace palette {

struct LoraMergeReport {
  int unet_layers = 0;          // weights of the UNet changed
  int text_encoder_layers = 0;  // weights of the text encoder changed
};

// Merges the LoRA tensors `lora` (read from `source`, named in errors) into `unet` and
// `text_encoder` (diffusers names; the text encoder with "text_model." names). Changed weights are
// replaced by new float32 tensors; the inputs' storage is never written. Validates the whole file
// before changing anything: a LoRA tensor matching no weight, a missing up/down half or shapes that
// do not fit throw palette::Error naming the file and the tensor.
LoraMergeReport merge_lora(const TensorMap& lora, const std::string& source, double scale, TensorMap& unet,
                           TensorMap& text_encoder);

}  // namespace palette
