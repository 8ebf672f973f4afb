// What the GPU tests share: float32 parity on CUDA needs full-precision convolutions and matmuls (no TF32),
// and the module tests run each dtype with bounds that catch dtype or kernel mistakes (errors of order 1),
// not rounding (float16 measured about 2e-3 to 5e-3, bfloat16 about 2e-2 to 4e-2 on an H200).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace palette::test {

inline void exact_cuda_math() {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
}

struct PrecisionRun {
  torch::Dtype dtype;
  const char* name;
  double tolerance;  // relative error against the float32 reference
};

inline const std::vector<PrecisionRun>& module_precision_runs() {
  static const std::vector<PrecisionRun> runs = {
      {torch::kFloat, "float32", 1e-4}, {torch::kHalf, "float16", 2e-2}, {torch::kBFloat16, "bfloat16", 1e-1}};
  return runs;
}

}  // namespace palette::test
