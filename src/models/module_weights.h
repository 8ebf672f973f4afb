// Loading checkpoint tensors into a LibTorch module whose module tree mirrors the checkpoint's
// names (conv_in.weight ↔ register_module("conv_in", …)->weight), so loading is by name alone.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>

namespace palette {

using TensorMap = std::map<std::string, torch::Tensor>;

struct WeightLoadOptions {
  // Checkpoint tensors that may be present without a matching parameter (e.g. CLIP's
  // position_ids buffer, which some exporters write and others do not). Null: none.
  std::function<bool(const std::string&)> ignore;
};

// Copies `tensors` into every parameter and buffer of `module`, converting to their dtype.
// Validates everything before copying anything: a missing tensor, an unexpected tensor or a shape
// mismatch, or a floating-point tensor holding NaN or infinite values, throws palette::Error naming
// `source` (the file) and the tensor, and leaves `module` untouched.
void load_weights(torch::nn::Module& module, const TensorMap& tensors, const std::string& source,
                  const WeightLoadOptions& options = {});

// The parameters and buffers of `module` by name, for writing a checkpoint.
TensorMap module_state(const torch::nn::Module& module);

// Total number of parameter elements.
int64_t parameter_count(const torch::nn::Module& module);

}  // namespace palette
