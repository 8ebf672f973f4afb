// The multiply-add work of one UNet forward, counted from its configuration as PyTorch's FLOP counter
// counts it (convolutions, linear layers and attention's two matrix products, 2 FLOPs per multiply-add;
// normalisations and activations not counted), so that `palette bench` gives TFLOP/s for any UNet
// shape, SDXL's included. SD 1.5 at 512² gives the counter's 803 GFLOP (unit-tested).
//
//   double g = unet_gflops(model_parts(model).unet->config(), 64, 64);  // one 512² sample, 77 tokens
//
// Thread safety: pure function.
#pragma once

#include <cstdint>

#include "models/unet/unet_config.h"

namespace palette {

// GFLOP of one sample at latent size height × width with `text_tokens` tokens of cross-attention context.
double unet_gflops(const UNetConfig& config, int64_t height, int64_t width, int64_t text_tokens = 77);

}  // namespace palette
