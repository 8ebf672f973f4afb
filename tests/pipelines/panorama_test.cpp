// Panoramas: the view grids' properties, view batching, and the public API's validation, progress and
// cancellation. Against the references: panorama_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/panorama.h"
#include "pipelines/panorama_sampling.h"
#include "pipelines/panorama_views.h"
#include "sampling/noise_source.h"
#include "sampling/scheduler.h"
#include "support/fixtures.h"
#include "support/error_of.h"
#include "support/parity.h"

namespace palette {
namespace {

const Model& tiny_sd15() { return test::fixture_model("tiny-sd15"); }

using test::error_of;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(PanoramaViews, MultiDiffusionGridAsDiffusers) {
  const auto grid = panorama::multidiffusion_grid(64, 128, 64, 8, false);
  ASSERT_EQ(grid.views.size(), 9u);  // (128 − 64) / 8 + 1
  EXPECT_EQ(grid.views.back().w0, 64);
  EXPECT_EQ(grid.total.max().item<float>(), 8.0f);  // a middle column lies under 8 views
  const auto circular = panorama::multidiffusion_grid(64, 128, 64, 8, true);
  ASSERT_EQ(circular.views.size(), 16u);  // 128 / 8, the last ones wrapping around
  EXPECT_EQ(circular.views.back().w1, 120 + 64);
  EXPECT_TRUE(torch::all(circular.total == 8).item<bool>());  // every column alike: no seam
}

TEST(PanoramaViews, UnalignedSidesAreCoveredToTheEdge) {
  // diffusers' grid stops at column 64 + 64 = 128 of 100 + 44; we add a view flush with the edge.
  const auto grid = panorama::multidiffusion_grid(64, 140, 64, 24, false);
  EXPECT_EQ(grid.views.back().w1, 140);
  EXPECT_GT(grid.total.min().item<float>(), 0.0f);
  for (const auto& [h, w, window] :
       std::vector<std::array<int64_t, 3>>{{40, 100, 64}, {64, 200, 48}, {25, 77, 16}}) {
    for (const bool circular : {false, true}) {
      const auto tiled = panorama::tiled_grid(h, w, window, circular);
      EXPECT_LT((tiled.total - 1).abs().max().item<float>(), 1e-6) << h << "x" << w << " w" << window;
      EXPECT_EQ(tiled.views.back().h1, h);
      for (const auto& v : tiled.views) {
        EXPECT_EQ(v.h1 - v.h0, tiled.view_height);
        EXPECT_EQ(v.w1 - v.w0, tiled.view_width);
      }
    }
  }
}

TEST(PanoramaViews, WrappedCropAndAccumulate) {
  const auto canvas = torch::arange(2 * 3 * 10, torch::kFloat32).view({1, 2, 3, 10});
  const panorama::View view{1, 3, 7, 13};
  const auto crop = panorama::crop(canvas, view);
  EXPECT_TRUE(torch::equal(
      crop, torch::cat({canvas.slice(2, 1, 3).slice(3, 7), canvas.slice(2, 1, 3).slice(3, 0, 3)}, 3)));
  auto sum = torch::zeros_like(canvas);
  panorama::accumulate(sum, view, crop);
  auto expected = torch::zeros_like(canvas);
  expected.slice(2, 1, 3).slice(3, 7) += canvas.slice(2, 1, 3).slice(3, 7);
  expected.slice(2, 1, 3).slice(3, 0, 3) += canvas.slice(2, 1, 3).slice(3, 0, 3);
  EXPECT_TRUE(torch::equal(sum, expected));
}

TEST(PanoramaViews, BadGridsAreRefused) {
  EXPECT_TRUE(contains(error_of([] { panorama::multidiffusion_grid(64, 128, 8, 16, false); }), "stride"));
  EXPECT_TRUE(contains(error_of([] { panorama::tiled_grid(0, 128, 16, false); }), "0x128"));
}

TEST(Panorama, TiledDefaultsAreTheAuthorsSchedule) {
  PanoramaOptions options;
  options.method = PanoramaMethod::tiled;
  options.width = 384;
  options.height = 128;
  const auto s = resolve_panorama_settings(options);
  EXPECT_EQ(s.window, 16);  // the shorter side: the reference's default tile
  EXPECT_EQ(s.stride, 8);
  EXPECT_EQ(s.guidance, 1.0);
  EXPECT_EQ(s.sampler, Sampler::lcm);
  int calls = 0;
  options.progress = [&](int step, int total) {
    ++calls;
    EXPECT_EQ(total, 5);  // t_index_list [0, 4, 12, 25, 37]
    EXPECT_EQ(step, calls);
  };
  SeededNoise noise(1);
  panorama_latents(model_parts(tiny_sd15()), options, noise);
  EXPECT_EQ(calls, 5);
}

// ---- view batching ----

// The same run with every view alone and with several views per UNet call.
void expect_batching_invariant(PanoramaOptions options, const std::string& label) {
  std::vector<torch::Tensor> results;
  for (const int batch : {1, 3, 16}) {
    options.view_batch_size = batch;
    SeededNoise noise(5);
    results.push_back(panorama_latents(model_parts(tiny_sd15()), options, noise).latents);
  }
  for (size_t i = 1; i < results.size(); ++i) {
    // Only the rounding inside the UNet's batched matrix products differs (Euler's large σ magnifies it).
    // LibTorch 2.x on the CPU measured 1.2e-4 here; the pipelines' own tolerance is 1e-3.
    EXPECT_TRUE(test::check_parity(label + " batched vs alone", results[i], results[0], 1e-3));
  }
}

PanoramaOptions small_options(PanoramaMethod method) {
  PanoramaOptions options;
  options.method = method;
  options.prompt = "a wide landscape";
  options.negative_prompt = "blurry";
  options.height = 64;
  options.width = 256;
  options.window = 8;
  options.steps = 2;
  return options;
}

TEST(Panorama, ViewBatchingMultiDiffusion) {
  auto options = small_options(PanoramaMethod::multidiffusion);
  options.stride = 4;
  expect_batching_invariant(options, "ddim");
  options.circular = true;
  expect_batching_invariant(options, "ddim circular");
  options.sampler = Sampler::euler_a;  // draws noise every step: cropped from one canvas draw
  expect_batching_invariant(options, "euler_a circular");
}

TEST(Panorama, ViewBatchingTiled) {
  auto options = small_options(PanoramaMethod::tiled);
  options.steps = 0;
  options.guidance = 3.0;  // with CFG
  expect_batching_invariant(options, "tiled lcm");
}

// ---- the public API ----

TEST(Panorama, BadSizesAreNamed) {
  PanoramaOptions options;
  options.width = 1001;
  EXPECT_TRUE(
      contains(error_of([&] { validate_panorama_options(options); }), "width 1001 is not a multiple of 8"));
  options.width = 1024;
  options.height = 32;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "height 32"));
  options.height = 512;
  options.window = 4;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "window 4"));
  options.window = 0;
  options.stride = 65;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "stride 65"));
  options.stride = 16;
  options.method = PanoramaMethod::tiled;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "half the window"));
  options.stride = 0;
  options.view_batch_size = 0;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "view batch size 0"));
  options.view_batch_size = 1;
  options.sampler = Sampler::lcm_stream;
  EXPECT_TRUE(
      contains(error_of([&] { validate_panorama_options(options); }), "unknown sampler 'lcm_stream'"));
  options.sampler = std::nullopt;
  options.width = 1004;
  EXPECT_TRUE(contains(error_of([&] { render_panorama(tiny_sd15(), options); }), "width 1004"));
  EXPECT_TRUE(contains(error_of([] { parse_panorama_method("sync"); }), "multidiffusion, tiled"));
}

TEST(Panorama, RenderGivesThePictureAndSeed) {
  auto options = small_options(PanoramaMethod::tiled);
  options.seed = 11;
  options.circular = true;
  const auto result = render_panorama(tiny_sd15(), options);
  EXPECT_EQ(result.seed, 11u);
  EXPECT_EQ(result.image.width, 256);
  EXPECT_EQ(result.image.height, 64);
  EXPECT_EQ(result.image.channels, 3);
  const auto again = render_panorama(tiny_sd15(), options);
  EXPECT_EQ(again.image.pixels, result.image.pixels);
}

TEST(Panorama, CancelStopsTheRun) {
  auto options = small_options(PanoramaMethod::multidiffusion);
  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  options.progress = [&](int, int) { cancel = true; };
  EXPECT_THROW(render_panorama(tiny_sd15(), options), Cancelled);
}

}  // namespace
}  // namespace palette
