// SyncDiffusion: the fast mode against the exact one, weight 0 against plain MultiDiffusion, the
// loop-closed seam, the coherence measure, and the errors for options and files that do not fit. Against
// the authors' sample_syncdiffusion: sync_diffusion_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <string>

#include "models/lpips/lpips.h"
#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/panorama.h"
#include "pipelines/panorama_sampling.h"
#include "sampling/noise_source.h"
#include "support/fixtures.h"
#include "support/error_of.h"
#include "support/parity.h"

namespace palette {
namespace {

using test::error_of;

const Model& tiny_sd15() {
  return test::fixture_model("tiny-sd15");
}

const Model& tiny_sd15_with_taesd() {
  static const Model model = [] {
    ModelOptions options;
    options.taesd = test::fixtures_dir() / "tiny-taesd";
    return Model::load(test::fixtures_dir() / "tiny-sd15", options);
  }();
  return model;
}

std::string alex_weights() {
  return (test::fixtures_dir() / "lpips_alex_weights.safetensors").string();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A small panorama: 64×192 pixels, 8-latent views at stride 4 (5 views, 6 with circular).
PanoramaOptions small_sync_options() {
  PanoramaOptions options;
  options.prompt = "a castle at sunset";
  options.negative_prompt = "blurry";
  options.height = 64;
  options.width = 192;
  options.window = 8;
  options.stride = 4;
  options.steps = 3;
  options.sync.enabled = true;
  options.sync.steps = 2;
  options.sync.lpips = alex_weights();
  return options;
}

torch::Tensor small_run(const PanoramaOptions& options, const Model& model = tiny_sd15()) {
  SeededNoise noise(3);
  return panorama_latents(model_parts(model), options, noise).latents;
}

TEST(SyncDiffusion, FastModeAgreesWithExact) {
  auto options = small_sync_options();
  const auto exact = small_run(options);
  options.sync.fast = true;
  options.sync.gradient_batch = 1;
  EXPECT_TRUE(test::check_parity("fast, batch 1 vs exact", small_run(options), exact, 0.0));
  // The model given loaded gives the same as the file.
  options.sync.lpips = "";
  options.sync.lpips_model = load_panorama_lpips(alex_weights());
  EXPECT_TRUE(test::check_parity("preloaded LPIPS vs exact", small_run(options), exact, 0.0));
}

TEST(SyncDiffusion, BatchedGradientsAreEachViewsOwn) {
  // The random tiny UNet's float32 backward differs by ~0.3% between a batch and single items (in
  // float64 by 1e-12), and the 8-latent views of this small case take sync steps of ~30% of the
  // latent at weight 20, which a second sync step amplifies. One gentler step keeps that rounding
  // far below what a wrong reduction (a batch mean instead of a sum) would give.
  auto options = small_sync_options();
  options.sync.weight = 2;
  options.sync.steps = 1;
  const auto exact = small_run(options);
  options.sync.enabled = false;
  const double sync_effect = test::relative_error(small_run(options), exact);
  std::cout << "  sync's own effect: relative difference " << sync_effect << "\n";
  options.sync.enabled = true;
  options.sync.fast = true;
  options.sync.gradient_batch = 3;
  const double tolerance = 2e-3;
  EXPECT_TRUE(test::check_parity("fast, batch 3 vs exact", small_run(options), exact, tolerance));
  EXPECT_GT(sync_effect, 5 * tolerance);  // a third of the step (batch mean) would fail the check above
}

TEST(SyncDiffusion, TaesdDecoderInTheGradientPath) {
  auto options = small_sync_options();
  const auto exact = small_run(options, tiny_sd15_with_taesd());
  options.sync.fast = true;
  options.sync.decoder = SyncDecoder::taesd;
  const auto fast = small_run(options, tiny_sd15_with_taesd());
  ASSERT_TRUE(torch::isfinite(fast).all().item<bool>());
  // Another decoder gives other gradients, but the same kind of result.
  const double difference = test::relative_error(fast, exact);
  std::cout << "  taesd vs vae in the gradient: relative difference " << difference << "\n";
  EXPECT_GT(difference, 0.0);
  EXPECT_LT(difference, 0.5);
}

TEST(SyncDiffusion, WeightZeroIsMultiDiffusion) {
  auto options = small_sync_options();
  options.sync.weight = 0;
  const auto zero = small_run(options);
  options.sync.enabled = false;
  const auto plain = small_run(options);
  EXPECT_TRUE(test::check_parity("sync weight 0 vs MultiDiffusion", zero, plain, 0.0));
  options.sync.enabled = true;
  options.sync.weight = 20;
  const double moved = test::relative_error(small_run(options), plain);
  std::cout << "  sync weight 20 vs MultiDiffusion: relative difference " << moved << "\n";
  EXPECT_GT(moved, 1e-3);  // the sync path is live
}

// Mean absolute difference between neighbouring columns of an RGB8 picture, and across the seam.
struct ColumnSteps {
  double largest_inside = 0;  // the largest neighbouring-column step inside the picture
  double mean_inside = 0;
  double seam = 0;  // last column vs first
};

ColumnSteps column_steps(const Image& image) {
  const auto pixels = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                                       {image.height, image.width, image.channels}, torch::kUInt8)
                          .to(torch::kFloat64);
  const auto steps = (pixels.slice(1, 1) - pixels.slice(1, 0, -1)).abs().mean(std::vector<int64_t>{0, 2});
  ColumnSteps s;
  s.largest_inside = steps.max().item().toDouble();
  s.mean_inside = steps.mean().item().toDouble();
  s.seam = (pixels.select(1, 0) - pixels.select(1, image.width - 1)).abs().mean().item().toDouble();
  return s;
}

TEST(SyncDiffusion, LoopClosureSeamIsContinuous) {
  auto options = small_sync_options();
  options.circular = true;
  options.seed = 4;
  const auto loop = column_steps(render_panorama(tiny_sd15(), options).image);
  std::cout << "  loop: seam step " << loop.seam << ", inside mean " << loop.mean_inside << ", largest "
            << loop.largest_inside << "\n";
  EXPECT_LE(loop.seam, loop.largest_inside);
  options.circular = false;
  const auto open = column_steps(render_panorama(tiny_sd15(), options).image);
  std::cout << "  open: seam step " << open.seam << ", inside mean " << open.mean_inside << "\n";
  EXPECT_GT(open.seam, loop.seam);  // without loop closure the two edges are unrelated
}

TEST(SyncDiffusion, ProgressAndCancel) {
  auto options = small_sync_options();
  int calls = 0;
  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  options.progress = [&](int step, int total) {
    EXPECT_EQ(total, 3);
    EXPECT_EQ(step, ++calls);
    if (step == 1) cancel = true;  // during the second step's sync
  };
  EXPECT_THROW(render_panorama(tiny_sd15(), options), Cancelled);
  EXPECT_EQ(calls, 1);
}

TEST(SyncDiffusion, BadOptionsAreNamed) {
  auto options = small_sync_options();
  options.sync.lpips = "";
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "no LPIPS weights file"));
  options.sync.lpips = alex_weights();
  options.sync.weight = -1;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "sync weight -1"));
  options.sync.weight = 20;
  options.sync.decay = 0;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "sync decay 0"));
  options.sync.decay = 0.95;
  options.sync.steps = -2;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "sync steps -2"));
  options.sync.steps = 2;
  options.sync.gradient_batch = 0;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "sync gradient batch 0"));
  options.sync.gradient_batch = 4;
  options.method = PanoramaMethod::tiled;
  options.stride = 0;
  EXPECT_TRUE(contains(error_of([&] { validate_panorama_options(options); }), "multidiffusion method"));
  options.method = PanoramaMethod::multidiffusion;
  options.stride = 4;
  EXPECT_TRUE(contains(error_of([] { parse_sync_decoder("vqgan"); }), "vae, taesd"));

  // Files: checked before the first step, naming the file.
  const auto missing = (test::fixtures_dir() / "no_such_lpips.safetensors").string();
  options.sync.lpips = missing;
  EXPECT_TRUE(contains(error_of([&] { render_panorama(tiny_sd15(), options); }), missing));
  const auto not_lpips = (test::fixtures_dir() / "sd15_vae.safetensors").string();
  options.sync.lpips = not_lpips;
  const auto wrong = error_of([&] { render_panorama(tiny_sd15(), options); });
  EXPECT_TRUE(contains(wrong, not_lpips) && contains(wrong, "net.slice1.0.weight")) << wrong;
  options.sync.lpips = alex_weights();
  options.sync.fast = true;
  options.sync.decoder = SyncDecoder::taesd;
  EXPECT_TRUE(contains(error_of([&] { render_panorama(tiny_sd15(), options); }), "without a TAESD"));
}

// ---- coherence ----

Image test_picture(int width, int height, int64_t seed) {
  torch::manual_seed(seed);
  const auto bytes = torch::randint(0, 256, {height, width, 3}, torch::kInt64).to(torch::kUInt8).contiguous();
  Image image;
  image.width = width;
  image.height = height;
  image.channels = 3;
  image.pixels.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  return image;
}

TEST(PanoramaCoherence, MeanLpipsOverTilePairs) {
  auto lpips = load_lpips(alex_weights());
  // Three 64-pixel tiles side by side (and 16 columns left over); the first two identical.
  auto image = test_picture(208, 64, 1);
  const int row = 208 * 3;
  for (int y = 0; y < 64; ++y)
    std::copy_n(image.pixels.begin() + y * row, 64 * 3, image.pixels.begin() + y * row + 64 * 3);
  const auto pixels = torch::from_blob(image.pixels.data(), {64, 208, 3}, torch::kUInt8)
                          .permute({2, 0, 1})
                          .to(torch::kFloat32)
                          .div(255)
                          .mul(2)
                          .sub(1);
  const auto tile = [&](int i) { return pixels.narrow(2, 64 * i, 64).unsqueeze(0); };
  torch::NoGradGuard no_grad;
  const double d02 = lpips->distance(tile(0), tile(2)).item<double>();
  EXPECT_GT(d02, 0.0);
  // Pairs (0,1) = 0, (0,2) and (1,2) = d02.
  EXPECT_NEAR(panorama_coherence(image, *lpips, 64), 2 * d02 / 3, 1e-6);
  EXPECT_TRUE(contains(error_of([&] { panorama_coherence(test_picture(100, 64, 2), *lpips, 64); }),
                       "fewer than two 64×64 tiles"));
}

}  // namespace
}  // namespace palette
