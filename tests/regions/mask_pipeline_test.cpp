// The mask pipeline's properties the stream engine relies on: one layer processed alone equals its slice
// of all layers, and bad requests fail with a message naming the problem. Against the StreamMultiDiffusion
// authors' code: mask_pipeline_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "palette/error.h"
#include "palette/safetensors.h"
#include "regions/bbox_shift.h"
#include "regions/lcm_alphas.h"
#include "regions/mask_pipeline.h"
#include "support/error_of.h"

namespace palette {
namespace {

using test::lcm_alphas_cumprod;

// Three overlapping layers painted at 50×70 and processed at 64×96, so resize, cover and blur all act.
torch::Tensor painted_masks() {
  const auto y = torch::arange(50, torch::kFloat32).view({50, 1}),
             x = torch::arange(70, torch::kFloat32).view({1, 70});
  const auto disc = ((y - 20).pow(2) + (x - 25).pow(2) < 200).to(torch::kFloat32);
  const auto box = ((y > 10) & (y < 40) & (x > 30) & (x < 65)).to(torch::kFloat32) * 0.8;
  const auto band = ((x + y > 60) & (x + y < 80)).to(torch::kFloat32);
  return torch::stack({disc, box, band}).unsqueeze(1);
}

MaskOptions test_options(RegionMaskType type) {
  MaskOptions options;
  options.height = 64;
  options.width = 96;
  options.mask_type = type;
  options.blur_std = {3.0, 0.0, 5.5};
  options.strength = {1.0, 0.97, 0.9};
  return options;
}

std::vector<float> test_levels() {
  return mask_noise_levels(lcm_alphas_cumprod(), {999, 919, 759, 499, 259});
}

TEST(MaskPipeline, OneLayerEqualsItsSliceOfAll) {
  const auto masks = painted_masks();
  for (auto type : {RegionMaskType::Discrete, RegionMaskType::SemiContinuous, RegionMaskType::Continuous}) {
    for (auto window : {BlurWindow::LargestStd, BlurWindow::PerLayer}) {
      auto options = test_options(type);
      options.blur_window = window;
      const auto all = process_masks(masks, test_levels(), options);
      ASSERT_EQ(all.quantized.sizes(), (torch::IntArrayRef{3, 5, 1, 8, 12}));
      ASSERT_EQ(all.blurred.sizes(), (torch::IntArrayRef{3, 1, 64, 96}));
      for (int64_t i = 0; i < 3; ++i) {
        const auto one = process_masks(masks, test_levels(), options, {i});
        EXPECT_TRUE(torch::equal(one.quantized, all.quantized.narrow(0, i, 1))) << "layer " << i;
        EXPECT_TRUE(torch::equal(one.blurred, all.blurred.narrow(0, i, 1))) << "layer " << i;
      }
      const auto picked = process_masks(masks, test_levels(), options, {2, 0});
      EXPECT_TRUE(torch::equal(picked.quantized[0], all.quantized[2]));
      EXPECT_TRUE(torch::equal(picked.quantized[1], all.quantized[0]));
    }
  }
}

TEST(MaskPipeline, CoverAlphaScalesOnlyWhereALaterLayerIsPainted) {
  auto masks = torch::zeros({2, 1, 16, 16});
  masks[0].fill_(1.0);
  masks[1].narrow(1, 0, 8).fill_(1.0);  // top half
  MaskOptions options;
  options.height = options.width = 16;
  options.blur_std = {0.0};
  const auto result = process_masks(masks, test_levels(), options);
  EXPECT_NEAR(result.blurred[0][0][2][5].item<float>(), 0.3f, 1e-7);
  EXPECT_EQ(result.blurred[0][0][12][5].item<float>(), 1.0f);
  EXPECT_EQ(result.blurred[1][0][2][5].item<float>(), 1.0f);  // the top layer is never covered
  options.cover_alpha = 0.0;                                  // off, not "erase"
  EXPECT_TRUE(torch::equal(process_masks(masks, test_levels(), options).blurred, masks));
}

// Where a painted region lands in the latent: over many discs at every sub-cell offset, the latent cells it
// takes must be centred on the disc (cell i's centre is pixel 8i + 3.5). The reference's corner reading is
// the negative control: it moves every region 3.5 px right and down.
TEST(MaskPipeline, RegionsKeepTheirPlaceInTheLatent) {
  constexpr int64_t kSide = 128;
  const auto y = torch::arange(kSide, torch::kFloat32).view({kSide, 1}),
             x = torch::arange(kSide, torch::kFloat32).view({1, kSide});
  std::vector<torch::Tensor> discs;
  for (int cy = 40; cy < 48; ++cy)
    for (int cx = 40; cx < 48; ++cx)
      for (float r : {9.0f, 14.5f, 23.0f})
        discs.push_back(((y - cy).pow(2) + (x - cx).pow(2) <= r * r).to(torch::kFloat32));
  const auto masks = torch::stack(discs).unsqueeze(1);
  const auto centroid = [](const torch::Tensor& m, double scale, double centre) {  // (n, 1, h, w) → (n, 2)
    const auto h = m.size(2), w = m.size(3);
    const auto ys = torch::arange(h, torch::kFloat64).view({1, 1, h, 1}) * scale + centre,
               xs = torch::arange(w, torch::kFloat64).view({1, 1, 1, w}) * scale + centre;
    const auto md = m.to(torch::kFloat64), area = md.sum({1, 2, 3});
    return torch::stack({(md * ys).sum({1, 2, 3}) / area, (md * xs).sum({1, 2, 3}) / area}, 1);
  };
  const auto painted = centroid(masks, 1.0, 0.0);
  MaskOptions options;
  options.height = options.width = kSide;
  options.blur_std = {0.0};
  options.cover_alpha = 0.0;
  const auto offset = [&](CellSampling sampling) {  // the latent's mean offset from the painting, (2)
    options.cell_sampling = sampling;
    const auto last_step = process_masks(masks, test_levels(), options).quantized.select(1, 4);
    return (centroid(last_step, 8.0, 3.5) - painted).mean(0);
  };
  const auto centre = offset(CellSampling::Centre), corner = offset(CellSampling::ReferenceCorner);
  std::cout << "mean offset of " << discs.size() << " discs in the latent (y, x px): cell centres "
            << centre[0].item<double>() << ", " << centre[1].item<double>() << "; reference corners "
            << corner[0].item<double>() << ", " << corner[1].item<double>() << "\n";
  for (int d = 0; d < 2; ++d) {
    EXPECT_NEAR(centre[d].item<double>(), -0.5, 0.25) << "axis " << d;  // pixel 4 read for the centre 3.5
    EXPECT_NEAR(corner[d].item<double>(), 3.5, 0.25) << "axis " << d;
  }
}

// Sizes that are not a multiple of the scale: the latent has ⌊H/s⌋ × ⌊W/s⌋ cells, cell (i, j) reads pixel
// (s/2 + s·i, s/2 + s·j), and the rows and columns left over are never read.
TEST(MaskPipeline, CellsAreReadAtTheirCentreAtAnyScale) {
  constexpr int64_t kH = 70, kW = 13;
  const auto y = torch::arange(kH).view({kH, 1}), x = torch::arange(kW).view({1, kW});
  MaskOptions options;
  options.height = kH;
  options.width = kW;
  options.blur_std = {0.0};
  for (int64_t s : {1, 2, 3, 8}) {
    options.latent_scale = s;
    // A mask painted at one pixel (dy, dx) of every cell tells which pixel the cells read.
    for (int64_t dy = 0; dy < s; ++dy)
      for (int64_t dx = 0; dx < s; ++dx) {
        const auto masks = ((y % s == dy) & (x % s == dx)).to(torch::kFloat32).view({1, 1, kH, kW});
        const auto q = process_masks(masks, {0.5f}, options).quantized;  // (1, 1, 1, h, w)
        ASSERT_EQ(q.sizes(), (torch::IntArrayRef{1, 1, 1, kH / s, kW / s})) << "scale " << s;
        const float want = dy == s / 2 && dx == s / 2 ? 1.0f : 0.0f;
        EXPECT_EQ(q.min().item<float>(), want) << "scale " << s << ", pixel (" << dy << ", " << dx << ")";
        EXPECT_EQ(q.max().item<float>(), want) << "scale " << s << ", pixel (" << dy << ", " << dx << ")";
      }
  }
}

TEST(MaskPipeline, QuantizationFollowsTheNoiseLevels) {
  const std::vector<float> levels = {0.9f, 0.5f};
  auto masks = torch::full({1, 1, 8, 8}, 0.7f);
  MaskOptions options;
  options.height = options.width = 8;
  options.blur_std = {0.0};
  options.mask_type = RegionMaskType::Discrete;
  auto q = process_masks(masks, levels, options).quantized;  // (1, 2, 1, 1, 1)
  EXPECT_EQ(q[0][0].item<float>(), 0.0f);
  EXPECT_EQ(q[0][1].item<float>(), 1.0f);
  options.mask_type = RegionMaskType::Continuous;
  q = process_masks(masks, levels, options).quantized;
  EXPECT_NEAR(q[0][0].item<float>(), (0.7f - 0.5f) / (0.9f - 0.5f), 1e-6);
  EXPECT_NEAR(q[0][1].item<float>(), 1.0f, 1e-6);  // 0.7/0.5 clipped
  options.mask_type = RegionMaskType::SemiContinuous;
  masks.fill_(0.3f);
  q = process_masks(masks, levels, options).quantized;
  EXPECT_EQ(q[0][0].item<float>(), 0.0f);
  EXPECT_NEAR(q[0][1].item<float>(), 0.3f / 0.5f, 1e-6);
}

TEST(MaskPipeline, Uint8AndBoolMasksAreNormalised) {
  const auto masks = painted_masks();
  const auto options = test_options(RegionMaskType::Continuous);
  const auto reference = process_masks((masks > 0).to(torch::kFloat32), test_levels(), options);
  const auto from_u8 = process_masks(((masks > 0).to(torch::kUInt8) * 255), test_levels(), options);
  const auto from_bool = process_masks(masks > 0, test_levels(), options);
  EXPECT_TRUE(torch::allclose(from_u8.quantized, reference.quantized));
  EXPECT_TRUE(torch::equal(from_bool.quantized, reference.quantized));
}

TEST(MaskPipeline, SeparableBlurEqualsTheTwoDimensionalKernel) {
  const auto x = torch::rand({2, 3, 20, 24}, torch::kFloat64);
  const std::vector<double> stds = {1.5, 2.5};
  const auto blurred = gaussian_blur(x, stds, BlurWindow::PerLayer);
  for (int64_t n = 0; n < 2; ++n) {
    const int64_t r = static_cast<int64_t>(std::ceil(3 * stds[n]));
    const auto d = torch::arange(-r, r + 1, torch::kFloat64);
    auto k2 = torch::exp(-(d.view({-1, 1}).pow(2) + d.view({1, -1}).pow(2)) / (2 * stds[n] * stds[n]));
    k2 = (k2 / k2.sum()).expand({3, 1, 2 * r + 1, 2 * r + 1});
    const auto padded = torch::nn::functional::pad(
        x.narrow(0, n, 1), torch::nn::functional::PadFuncOptions({r, r, r, r}).mode(torch::kReplicate));
    const auto direct =
        torch::nn::functional::conv2d(padded, k2, torch::nn::functional::Conv2dFuncOptions().groups(3));
    EXPECT_TRUE(torch::allclose(blurred.narrow(0, n, 1), direct, 1e-12, 1e-12)) << "item " << n;
  }
  EXPECT_TRUE(torch::equal(gaussian_blur(x, {0.0}), x));
  const auto flat = torch::full({1, 1, 9, 9}, 0.25, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(gaussian_blur(flat, {4.0}), flat));
}

using test::error_of;

TEST(MaskPipeline, BadRequestsNameTheProblem) {
  const auto masks = painted_masks();
  const auto levels = test_levels();
  const auto options = test_options(RegionMaskType::Discrete);
  const auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(error_of([&] { process_masks(masks.squeeze(1), levels, options); }), "masks must be"));
  EXPECT_TRUE(has(error_of([&] {
                    process_masks(masks.repeat({1, 2, 1, 1}), levels, options);
                  }),
                  "[3, 2, 50, 70]"));
  EXPECT_TRUE(
      has(error_of([&] { process_masks(masks.to(torch::kInt32), levels, options); }), "uint8 or bool"));
  EXPECT_TRUE(has(error_of([&] { process_masks(masks, levels, options, {3}); }), "layer 3"));
  EXPECT_TRUE(has(error_of([&] { process_masks(masks, {0.5f, 0.9f}, options); }), "strictly decreasing"));
  EXPECT_TRUE(has(error_of([&] { process_masks(masks, {}, options); }), "noise levels"));
  auto bad = options;
  bad.blur_std = {1.0, 2.0};
  EXPECT_TRUE(has(error_of([&] { process_masks(masks, levels, bad); }), "blur_std has 2 values"));
  bad = options;
  bad.strength = {-1.0};
  EXPECT_TRUE(has(error_of([&] { process_masks(masks, levels, bad); }), "strength"));
  bad = options;
  bad.height = 4;
  EXPECT_TRUE(has(error_of([&] { process_masks(masks, levels, bad); }), "empty latent"));
  EXPECT_TRUE(has(error_of([&] { gaussian_blur(torch::zeros({4, 4}), {1.0}); }), "gaussian_blur"));
  EXPECT_TRUE(has(error_of([&] { mask_noise_levels(lcm_alphas_cumprod(), {1000}); }), "timestep 1000"));
}

TEST(MaskBboxShift, CentresTheBoxAndFillsWhatEnters) {
  auto masks = torch::zeros({2, 1, 16, 16});
  masks[0].narrow(1, 1, 3).narrow(2, 10, 5).fill_(1.0);  // rows 1..3, columns 10..14: centre (2, 12)
  const auto shifts = mask_bbox_center_shifts(masks);
  EXPECT_EQ(shifts[0][0].item<int64_t>(), 6);
  EXPECT_EQ(shifts[0][1].item<int64_t>(), -4);
  EXPECT_EQ(shifts[1][0].item<int64_t>(), 0);  // nothing painted: not moved
  EXPECT_EQ(shifts[1][1].item<int64_t>(), 0);

  const auto latents = torch::randn({2, 4, 16, 16});
  ShiftOptions options;
  options.fill = torch::full({1, 4, 1, 1}, 7.0);
  const auto centred = shift_to_mask_bbox_center(latents, masks, options);
  EXPECT_TRUE(
      torch::equal(centred[0].narrow(1, 7, 3).narrow(2, 6, 5), latents[0].narrow(1, 1, 3).narrow(2, 10, 5)));
  EXPECT_TRUE(torch::equal(centred[0].narrow(1, 0, 6), torch::full({4, 6, 16}, 7.0)));  // rows that came in
  EXPECT_TRUE(torch::equal(centred[1], latents[1]));
  const auto back = shift_back_from_mask_bbox_center(centred, masks, options);
  EXPECT_TRUE(
      torch::equal(back[0].narrow(1, 0, 10).narrow(2, 4, 12), latents[0].narrow(1, 0, 10).narrow(2, 4, 12)));

  options.edges = ShiftEdges::Wrap;
  EXPECT_TRUE(
      torch::equal(shift_latents(shift_latents(latents, shifts, options), -shifts, options), latents));
}

TEST(MaskBboxShift, BadShapesNameTheProblem) {
  const auto latents = torch::zeros({2, 4, 16, 16});
  const auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(error_of([&] {
                    shift_to_mask_bbox_center(latents, torch::zeros({3, 1, 16, 16}), {});
                  }),
                  "differ in layers or size"));
  EXPECT_TRUE(has(error_of([&] { mask_bbox_center_shifts(torch::zeros({2, 16, 16})); }), "masks must be"));
  EXPECT_TRUE(has(error_of([&] {
                    shift_latents(latents, torch::zeros({2, 2}), {});
                  }),
                  "shifts must be integral"));
  ShiftOptions options;
  options.fill = torch::zeros({3, 1, 1});
  EXPECT_TRUE(has(error_of([&] {
                    shift_latents(latents, torch::zeros({2, 2}, torch::kInt64), options);
                  }),
                  "does not broadcast"));
}

}  // namespace
}  // namespace palette
