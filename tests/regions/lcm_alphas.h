// ᾱ of the LCM scheduler the StreamMultiDiffusion reference samples with (scaled_linear 0.00085 → 0.012):
// the noise levels the mask pipeline's parity and unit tests quantize masks with.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "sampling/scheduler.h"

namespace palette::test {

inline torch::Tensor lcm_alphas_cumprod() {
  const nlohmann::json config = {{"_class_name", "LCMScheduler"},
                                 {"beta_start", 0.00085},
                                 {"beta_end", 0.012},
                                 {"beta_schedule", "scaled_linear"},
                                 {"num_train_timesteps", 1000}};
  return make_scheduler(config, "")->alphas_cumprod();
}

}  // namespace palette::test
