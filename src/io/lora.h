// LoRA files merged into the weights at load: W += scale · (alpha / rank) · up @ down.
// Accepted spellings (all seen in the wild for SD 1.x / 2.x and SDXL):
//   kohya:           lora_unet_<module_with_underscores>.{lora_down,lora_up}.weight [.alpha]
//                    (module in diffusers or in original input_blocks/… naming), lora_te_<module>… (SD 1.x/2.x),
//                    lora_te1_<module>…, lora_te2_<module>… (SDXL's two text encoders)
//   PEFT / diffusers: [unet.|text_encoder.|text_encoder_2.]<module>.{lora_A,lora_B}.weight [.alpha]
//   older diffusers: <module>.processor.to_q_lora.{down,up}.weight, <module>.lora.{down,up}.weight
// A LoRA made for another family than the model's (an SD 1.5 LoRA on SDXL, say) is refused by name: its text
// encoder keys or its cross-attention width tell.
#pragma once

#include <filesystem>
#include <string>

#include "models/module_weights.h"

namespace palette {

struct LoraMergeReport {
  int unet_layers = 0;            // weights of the UNet changed
  int text_encoder_layers = 0;    // weights of the (first) text encoder changed
  int text_encoder_2_layers = 0;  // weights of SDXL's second text encoder changed
};

// The weights a LoRA merges into, under diffusers names (text encoders with or without transformers'
// "text_model." prefix). text_encoder_2 is SDXL's second encoder; nullptr for SD 1.x / 2.x models.
struct LoraTargets {
  TensorMap& unet;
  TensorMap& text_encoder;
  TensorMap* text_encoder_2 = nullptr;
};

// Merges the LoRA tensors `lora` (read from `source`, named in errors) into `targets`. Changed weights
// are replaced by new float32 tensors; the inputs' storage is never written. Validates the whole file
// before changing anything: a LoRA of another model family, a LoRA tensor matching no weight, a
// missing up/down half or shapes that do not fit throw palette::Error naming the file and the tensor.
LoraMergeReport merge_lora(const TensorMap& lora, const std::string& source, double scale, LoraTargets targets);

}  // namespace palette
