// The background image in the region pipelines (RegionBackground::image): its pixels at the canvas
// size, its latent, and the final pixel-space blend of the generated picture into it (the reference's
// `do_blend`). Shared by the one-shot render (region_render.cpp) and the stream engine.
//
//   torch::Tensor pixels = background_pixels(image, 512, 512, parts.device);   // (1,3,H,W) in [0,1]
//   torch::Tensor latent = posterior_latent(image_posterior(parts, pixels), parts, noise);
//   …
//   decoded = blend_over_background(decoded, pixels, cover);  // cover: union of the blurred masks
//
// Failures: none beyond LibTorch's (callers pass validated images, validate_background_image).
// Thread safety: pure functions; the model is only read.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "palette/image.h"

namespace palette {

struct ModelParts;
struct GaussianPosterior;

// `image` (1, 3 or 4 channels: gray spread over the channels, alpha dropped) as (1, 3, height, width)
// float32 in [0, 1] on `device`. A picture of another size is resized bicubically (antialiased when it
// shrinks) and clamped to [0, 1]; one of the canvas size is taken exactly.
torch::Tensor background_pixels(const Image& image, int64_t height, int64_t width,
                                const torch::Device& device);

// The VAE posterior of `pixels` ((1, 3, H, W) in [0, 1]), on the model's device.
GaussianPosterior image_posterior(const ModelParts& parts, const torch::Tensor& pixels);

// TAESD's encoding of `pixels` ((1, 3, H, W) in [0, 1]) as a UNet-scale latent in the model's dtype
// (deterministic: TAESD has no posterior). The model must have TAESD.
torch::Tensor taesd_latent(const ModelParts& parts, const torch::Tensor& pixels);

// The reference's do_blend: `decoded` (1, 3, H, W) in about [-1, 1] where `cover` (1, 1, H, W) is 1,
// `pixels` ((1, 3, H, W) in [0, 1]) where it is 0, linear between. Returns float32 in [-1, 1] on
// decoded's device, ready for to_image (so a pixel of cover 0 comes out as the picture's own byte).
torch::Tensor blend_over_background(const torch::Tensor& decoded, const torch::Tensor& pixels,
                                    const torch::Tensor& cover);

}  // namespace palette
