// Helpers for parity tests against the reference fixtures.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "palette/model.h"
#include "palette/safetensors.h"
#include "support/error_of.h"  // parity suites check what their failures say as well

namespace palette::test {

// ‖actual − expected‖ / ‖expected‖ in float64 (the fixtures README's measure).
double relative_error(const torch::Tensor& actual, const torch::Tensor& expected);

// Opens fixtures_dir()/<name>.safetensors; fails the test (throws) if absent.
SafetensorsFile open_case(const std::string& name);

// Prints "<label>: relative error E (tolerance T)" and returns whether E <= tolerance and the
// shapes agree. Use as EXPECT_TRUE(check_parity(...)).
bool check_parity(const std::string& label, const torch::Tensor& actual, const torch::Tensor& expected,
                  double tolerance);

// A fixture model (e.g. "tiny-sd15"), loaded once per test process and shared.
const Model& fixture_model(const std::string& name);
// The same with the fixture TAESD (tiny-taesd) loaded beside it, for live frames.
const Model& fixture_model_with_taesd(const std::string& name);

// A metadata value of a fixture case (stored as JSON text).
nlohmann::json case_meta(const SafetensorsFile& file, const std::string& key);

}  // namespace palette::test
