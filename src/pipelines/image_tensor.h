// Latents to pictures: the VAE decode and the conversion to 8-bit images, with diffusers' rounding.
// Shared by text-to-image, the panoramas and the region engine.
//
//   torch::Tensor decoded = decode_latents(model_parts(model), latents);  // (B,3,H,W), about [-1,1]
//   palette::Image img = to_image(decoded);                          // item 0 as RGB8
//
// Failures: palette::Error for tensors of the wrong rank or channel count.
// Thread safety: free functions without state; the model is only read.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "palette/image.h"

namespace palette {

struct ModelParts;

// The VAE's image for UNet-scale latents (B,4,h,w): latents / scaling_factor (+ shift_factor) through
// the decoder, run in the VAE's own dtype. Returns (B,3,8h,8w) float32 on the model's device, about
// [-1,1] and not clamped (the reference's decoded output). The caller owns it.
torch::Tensor decode_latents(const ModelParts& parts, const torch::Tensor& latents);
// The same, differentiable w.r.t. `latents` when grad mode is on (SyncDiffusion's gradient through
// the decoder); under NoGradGuard it is decode_latents.
torch::Tensor decode_latents_with_grad(const ModelParts& parts, const torch::Tensor& latents);

// A decoded image (B,3,H,W) in [-1,1] to 8-bit RGB, item `index`: ((x/2 + 0.5).clamp(0,1) · 255).round(),
// as diffusers' image processor does. Any device and floating dtype. Throws palette::Error for a
// tensor that is not (B,3,H,W) or an index out of range.
Image to_image(const torch::Tensor& decoded, int64_t index = 0);

}  // namespace palette
