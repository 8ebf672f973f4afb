// The two ways Stable Diffusion weights are named. Diffusers folders name tensors after diffusers'
// and transformers' module trees (our modules mirror those); single-file checkpoints keep the
// original CompVis / Stability names:
//   model.diffusion_model.*        UNet          (input_blocks / middle_block / output_blocks)
//   first_stage_model.*            AutoencoderKL (encoder.down.N.block.M, mid.attn_1, …)
//   cond_stage_model.transformer.* SD 1.x CLIP text encoder (transformers names under a prefix)
//   cond_stage_model.model.*       SD 2.x OpenCLIP text encoder (resblocks, fused in_proj)
//   conditioner.embedders.0.transformer.*  SDXL's CLIP ViT-L (transformers names under a prefix)
//   conditioner.embedders.1.model.*        SDXL's OpenCLIP ViT-bigG (resblocks, fused in_proj, text_projection)
// This file converts between them, tensor by tensor, and detects which one a file uses.
#pragma once

#include <string>

#include "models/module_weights.h"

namespace palette::checkpoint {

enum class TextEncoderLayout { None, ClipSd1, OpenClipSd2, SdxlPair };

// A single-file checkpoint split into its components, each under diffusers names. The text
// encoders come with transformers 4.x names ("text_model.…"). SD 2.x's OpenCLIP encoder loses its last
// layer, as diffusers' converter does: SD 2.x uses the penultimate layer's output. SDXL's keeps all its
// layers (the pooled embedding comes from the last) and its text_projection, as a linear layer's weight
// (the transpose of OpenCLIP's matrix).
struct Components {
  TensorMap unet, vae, text_encoder;
  TensorMap text_encoder_2;  // SDXL only
  TextEncoderLayout text_layout = TextEncoderLayout::None;
};

// Splits and renames an original-layout checkpoint. `source` names the file in errors. Throws
// palette::Error when a tensor does not fit the layout (naming it) or when no UNet is present.
// Tensors outside the three components (EMA copies, the CLIP text projection, …) are dropped.
Components from_original(const TensorMap& original, const std::string& source);

// The inverse, for writing a checkpoint in the original layout: diffusers-named components →
// original names. `text_layout` chooses the text encoder's spelling; for OpenClipSd2 an extra
// copy of the last layer is appended so that from_original's drop-the-last-layer rule round-trips.
TensorMap to_original(const Components& components, TextEncoderLayout text_layout);

// diffusers name → original name (without the "model.diffusion_model." prefix) for every tensor
// of a diffusers-named UNet; LoRA files trained on single-file checkpoints use the latter.
std::map<std::string, std::string> unet_original_names(const TensorMap& unet);

// True when the names look like an original-layout checkpoint (has model.diffusion_model.*).
bool is_original_layout(const TensorMap& tensors);

}  // namespace palette::checkpoint
