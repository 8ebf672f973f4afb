// Helpers for parity tests against the reference fixtures.
#pragma once

#include <torch/torch.h>

#include <string>

#include "palette/safetensors.h"

namespace palette::test {

// ‖actual − expected‖ / ‖expected‖ in float64 (the fixtures README's measure).
double relative_error(const torch::Tensor& actual, const torch::Tensor& expected);

// Opens fixtures_dir()/<name>.safetensors; fails the test (throws) if absent.
SafetensorsFile open_case(const std::string& name);

// Prints "<label>: relative error E (tolerance T)" and returns whether E <= tolerance and the
// shapes agree. Use as EXPECT_TRUE(check_parity(...)).
bool check_parity(const std::string& label, const torch::Tensor& actual, const torch::Tensor& expected,
                  double tolerance);

}  // namespace palette::test
