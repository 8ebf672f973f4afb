// What a device can do that decides how a model is stored on it.
// Thread safety: pure functions.
#pragma once

#include <torch/types.h>

namespace palette {

// Whether `device` runs bfloat16 natively: a CUDA GPU of compute capability 8.0 (Ampere) or newer. Older
// GPUs (T4, V100) emulate it slowly or not at all; the CPU path runs float32 only.
bool has_native_bfloat16(const torch::Device& device);

}  // namespace palette
