// A test picture as the tensor the engine's pixel blend works on, made straight from the bytes.
#pragma once

#include <torch/torch.h>

#include "palette/image.h"

namespace palette::test {

// An RGB picture as (1, 3, H, W) float32 in [0, 1] on the CPU.
inline torch::Tensor photo_tensor(const Image& image) {
  return torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 3},
                          torch::kUInt8)
      .permute({2, 0, 1})
      .unsqueeze(0)
      .to(torch::kFloat32)
      .div(255.0);
}

}  // namespace palette::test
