// Prompts to the UNet's conditioning, with classifier-free guidance (CFG) as diffusers'
// StableDiffusionPipeline does it. Shared by text-to-image, the panoramas and the region engine.
//
//   const ModelParts& parts = model_parts(model);
//   const bool cfg = uses_classifier_free_guidance(parts, 7.5);
//   PromptEmbeddings text = encode_prompt(parts, "a red house", "blurry", cfg);
//   torch::Tensor eps = unet->forward(torch::cat({x, x}), t, text.unet_batch());  // [uncond, cond]
//   eps = apply_guidance(eps, 7.5);                                                 // back to one latent
//
// Failures: palette::Error for a clip_skip out of range or output shapes that do not fit.
// Thread safety: free functions without state; the model is only read, so several threads may
// encode at once.
#pragma once

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/unet/unet_conditions.h"

namespace palette {

struct ModelParts;

// Whether diffusers would run CFG for this guidance scale: guidance > 1 and the UNet has no
// guidance-embedding input (LCM-distilled UNets take the scale through timestep_cond instead).
bool uses_classifier_free_guidance(const ModelParts& parts, double guidance);

// The text encoder's conditioning for each prompt: (prompts.size(), 77, hidden) in the model's dtype
// on its device, owned by the caller. Each prompt is tokenized to 77 ids (truncated, padded), as the
// reference does. clip_skip follows the A1111 convention: 1 = last layer (diffusers' default), 2 = the
// penultimate layer, each followed by the final layer norm.
// SDXL: both encoders' penultimate states side by side (clip_skip must be 1; the pooled embedding is
// dropped here: see encode_texts).
torch::Tensor encode_prompts(const ModelParts& parts, const std::vector<std::string>& prompts,
                             int64_t clip_skip = 1);

// What text gives the UNet: the cross-attention states, and for SDXL the second encoder's pooled,
// projected embedding (B, projection_dim), undefined for SD 1.x and 2.x. Model dtype and device.
struct TextConditioning {
  torch::Tensor hidden;
  torch::Tensor pooled;
};
TextConditioning encode_texts(const ModelParts& parts, const std::vector<std::string>& prompts, int64_t clip_skip = 1);

// One prompt's conditioning, with the negative prompt's when CFG is on.
struct PromptEmbeddings {
  torch::Tensor cond;    // (1, 77, hidden), model dtype and device
  torch::Tensor uncond;  // same shape: the negative prompt's ("" when none); undefined without CFG
  // SDXL: the pooled embeddings (1, projection_dim) of each side; undefined for other families. With no
  // negative prompt, SDXL's uncond and pooled_uncond are zeros (force_zeros_for_empty_prompt).
  torch::Tensor pooled_cond, pooled_uncond;

  bool has_uncond() const { return uncond.defined(); }
  // encoder_hidden_states for a UNet batch of `copies` latents per half: [uncond × copies, cond ×
  // copies] with CFG, [cond × copies] without. A new tensor the caller owns.
  torch::Tensor unet_batch(int64_t copies = 1) const;
  // The UNet's other conditions for the same batch: `timestep_cond` as given, and for SDXL the pooled
  // embeddings laid out as unet_batch lays out the states, with `time_ids` (1,6) for every item.
  UNetConditions unet_conditions(int64_t copies, const torch::Tensor& time_ids, const torch::Tensor& timestep_cond) const;
};

// Encodes `prompt`, and with `cfg` also `negative_prompt` (the empty string stands for "no negative
// prompt", exactly as diffusers' uncond_tokens = [""]); both in one text-encoder call.
PromptEmbeddings encode_prompt(const ModelParts& parts, const std::string& prompt,
                               const std::string& negative_prompt, bool cfg, int64_t clip_skip = 1);

// CFG on a UNet output laid out as unet_batch() makes it, [uncond (B); cond (B)] along dim 0:
// uncond + guidance · (cond − uncond), (B, …). Throws palette::Error when dim 0 is odd.
torch::Tensor apply_guidance(const torch::Tensor& unet_output, double guidance);
// The same from the two halves already split (for batches interleaved differently, e.g. panoramas).
torch::Tensor apply_guidance(const torch::Tensor& uncond_output, const torch::Tensor& cond_output,
                             double guidance);


// SDXL's time ids (1,6) in the model's dtype on its device: original size, crop corner, target size
// ({height, width}, {top, left}, {height, width} in pixels). Throws palette::Error when the UNet's
// added embedding does not take six ids.
torch::Tensor sdxl_time_ids(const ModelParts& parts, std::array<int, 2> original_size, std::array<int, 2> crop_top_left,
                            std::array<int, 2> target_size);

// SDXL's time ids (n, 6) for n crops of one canvas (views, tiles): `canvas_ids` (1, 6) with each crop's
// top-left corner {top, left} in pixels as its crop.
torch::Tensor sdxl_crop_time_ids(const torch::Tensor& canvas_ids, const std::vector<std::array<int64_t, 2>>& top_left);

// The timestep_cond of LCM-distilled UNets (diffusers' get_guidance_scale_embedding of
// w = guidance − 1): (batch, time_cond_proj_dim) in the model's dtype on its device. Undefined when
// the UNet has no guidance-embedding input (time_cond_proj_dim 0), so it can go to forward() as is.
torch::Tensor guidance_condition(const ModelParts& parts, double guidance, int64_t batch);

}  // namespace palette
