// How a layer's painted mask becomes its weight at each denoising step (docs/algorithms.md §4 "Masks"):
// the one vocabulary of the region pipelines' settings and of the mask pipeline that computes them.
#pragma once

namespace palette {

enum class RegionMaskType {
  Discrete,        // a layer covers a pixel at step k when its mask > σ_k (the reference default)
  SemiContinuous,  // discrete, except continuous at the last step
  Continuous,      // linear between the noise levels of step k and k+1: clip((m − σ_{k+1}) / (σ_k − σ_{k+1}), 0, 1)
};

}  // namespace palette
