// The mask pipeline and bootstrapping's bbox shift against the StreamMultiDiffusion authors' code
// (Parity.smd_*).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "palette/safetensors.h"
#include "regions/bbox_shift.h"
#include "regions/lcm_alphas.h"
#include "regions/mask_pipeline.h"
#include "support/parity.h"

namespace palette {
namespace {

constexpr double kTolerance = 1e-4;

using test::lcm_alphas_cumprod;

std::vector<double> number_or_list(const nlohmann::json& value) {
  if (value.is_array()) return value.get<std::vector<double>>();
  return {value.get<double>()};
}

RegionMaskType mask_type_named(const std::string& name) {
  if (name == "discrete") return RegionMaskType::Discrete;
  if (name == "semi-continuous") return RegionMaskType::SemiContinuous;
  if (name == "continuous") return RegionMaskType::Continuous;
  throw std::runtime_error("unknown mask_type " + name);
}

void expect_process_mask_parity(const std::string& name) {
  const auto file = test::open_case(name);
  const auto& meta = file.metadata();
  const auto json = [&](const char* key) { return nlohmann::json::parse(meta.at(key)); };
  MaskOptions options;
  options.mask_type = mask_type_named(json("mask_type").get<std::string>());
  options.strength = number_or_list(json("strength"));
  options.blur_std = number_or_list(json("std"));
  options.cover_alpha = json("cover_alpha").get<double>();
  options.height = json("height").get<int64_t>();
  options.width = json("width").get<int64_t>();
  options.cell_sampling = CellSampling::ReferenceCorner;  // the reference's nearest resize
  const auto levels = mask_noise_levels(lcm_alphas_cumprod(), json("timesteps").get<std::vector<int64_t>>());

  const auto result = process_masks(file.load("masks"), levels, options);
  const auto out = file.load("out"), blurred = file.load("blurred");
  EXPECT_TRUE(test::check_parity(name + " out", result.quantized, out, kTolerance));
  EXPECT_TRUE(test::check_parity(name + " blurred", result.blurred, blurred, kTolerance));
  if (result.quantized.sizes() == out.sizes()) {
    // Binary steps must agree element for element: a flipped pixel is a visible change, not rounding.
    const int64_t steps = out.size(1);
    const int64_t binary = options.mask_type == RegionMaskType::Discrete         ? steps
                           : options.mask_type == RegionMaskType::SemiContinuous ? steps - 1
                                                                           : 0;
    const auto differ = [&](int64_t from, int64_t count) {
      return result.quantized.narrow(1, from, count).ne(out.narrow(1, from, count)).sum().item<int64_t>();
    };
    const auto binary_differing = binary > 0 ? differ(0, binary) : 0;
    std::cout << "  " << name << " out: " << binary_differing << " differing elements in the " << binary
              << " binary steps";
    if (binary < steps) {
      std::cout << ", " << differ(binary, steps - binary) << " in the continuous ones (max abs difference "
                << (result.quantized - out).abs().max().item<float>() << ")";
    }
    std::cout << "\n";
    EXPECT_EQ(binary_differing, 0);
  }
  // For the record: how far the reference's shared kernel window is from per-layer windows.
  options.blur_window = BlurWindow::PerLayer;
  const auto per_layer = process_masks(file.load("masks"), levels, options);
  std::cout << "  " << name << " blurred with BlurWindow::PerLayer: relative error "
            << test::relative_error(per_layer.blurred, blurred) << " (information)\n";
}

TEST(Parity, smd_process_mask_discrete_plain) {
  expect_process_mask_parity("smd_process_mask_discrete_plain");
}

TEST(Parity, smd_process_mask_discrete_blur) {
  expect_process_mask_parity("smd_process_mask_discrete_blur");
}

TEST(Parity, smd_process_mask_discrete_nocover) {
  expect_process_mask_parity("smd_process_mask_discrete_nocover");
}

TEST(Parity, smd_process_mask_semi_continuous_plain) {
  expect_process_mask_parity("smd_process_mask_semi-continuous_plain");
}

TEST(Parity, smd_process_mask_semi_continuous_blur) {
  expect_process_mask_parity("smd_process_mask_semi-continuous_blur");
}

TEST(Parity, smd_process_mask_semi_continuous_nocover) {
  expect_process_mask_parity("smd_process_mask_semi-continuous_nocover");
}

TEST(Parity, smd_process_mask_continuous_plain) {
  expect_process_mask_parity("smd_process_mask_continuous_plain");
}

TEST(Parity, smd_process_mask_continuous_blur) {
  expect_process_mask_parity("smd_process_mask_continuous_blur");
}

TEST(Parity, smd_process_mask_continuous_nocover) {
  expect_process_mask_parity("smd_process_mask_continuous_nocover");
}

TEST(Parity, smd_gaussian_lowpass) {
  const auto file = test::open_case("smd_gaussian_lowpass");
  const auto std_tensor = file.load("std", torch::kFloat64).contiguous();
  const std::vector<double> stds(std_tensor.data_ptr<double>(),
                                 std_tensor.data_ptr<double>() + std_tensor.numel());
  const auto input = file.load("input"), out = file.load("out");
  EXPECT_TRUE(test::check_parity("smd_gaussian_lowpass", gaussian_blur(input, stds), out, kTolerance));
  std::cout << "  smd_gaussian_lowpass with BlurWindow::PerLayer: relative error "
            << test::relative_error(gaussian_blur(input, stds, BlurWindow::PerLayer), out)
            << " (information)\n";
}

TEST(Parity, smd_shift_to_mask_bbox_center) {
  const auto file = test::open_case("smd_shift_to_mask_bbox_center");
  const auto input = file.load("input"), mask = file.load("mask");
  ShiftOptions reference;
  reference.edges = ShiftEdges::Wrap;
  EXPECT_TRUE(test::check_parity("smd_shift_to_mask_bbox_center forward",
                                 shift_to_mask_bbox_center(input, mask, reference), file.load("forward"), 0));
  EXPECT_TRUE(test::check_parity("smd_shift_to_mask_bbox_center back",
                                 shift_back_from_mask_bbox_center(input, mask, reference), file.load("back"),
                                 0));
}

}  // namespace
}  // namespace palette
