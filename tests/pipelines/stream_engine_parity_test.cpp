// The stream engine against the one-shot region render: in steady state a frame is the one-shot render
// with the same noise (the one-shot pipeline itself matches the authors' code on smd_region_*), with and
// without bootstrapping, over an uncovered canvas and over a background picture.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/stream.h"
#include "pipelines/background_photos.h"
#include "pipelines/region_fixture.h"
#include "pipelines/region_render.h"
#include "pipelines/stream_layouts.h"
#include "pipelines/stream_state.h"
#include "sampling/noise_source.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

const Model& tiny_sd15() { return test::fixture_model("tiny-sd15"); }

StreamSnapshot snapshot_of(const RegionRequest& request, uint64_t seed) {
  StreamSnapshot s;
  s.version = 1;
  s.width = request.width;
  s.height = request.height;
  s.seed = seed;
  s.background = request.background;
  for (size_t i = 0; i < request.layers.size(); ++i) s.layers.push_back({uint64_t(i) + 1, true, request.layers[i]});
  return s;
}

// The draws the one-shot pipeline makes, in its order (region_render.h), taken from the stream's
// documented noise: the background's and the white image's posterior draws, then one fixed noise per
// slot, which the stream uses to start slot 0, to noise slot k's bootstrap background and to re-noise
// into slot k.
std::vector<torch::Tensor> one_shot_draws(uint64_t seed, int64_t slots, int64_t h, int64_t w, bool has_background,
                                          int bootstrap_steps) {
  SeededNoise noise(seed);
  const torch::Tensor background = noise.randn({1, 4, h, w});
  const torch::Tensor white = noise.randn({1, 4, h, w});
  std::vector<torch::Tensor> slot;
  for (int64_t k = 0; k < slots; ++k) slot.push_back(noise.randn({1, 4, h, w}));
  std::vector<torch::Tensor> draws;
  if (has_background) draws.push_back(background);
  if (bootstrap_steps > 0) draws.push_back(white);
  draws.push_back(slot[0]);
  for (int64_t k = 0; k < slots; ++k) {
    if (k < bootstrap_steps) draws.push_back(slot[size_t(k)]);
    if (k + 1 < slots) draws.push_back(slot[size_t(k) + 1]);
  }
  return draws;
}

void expect_stream_equals_one_shot(RegionRequest request, const std::string& label) {
  const uint64_t seed = 5;
  StreamSettings settings;
  settings.sampling = request.sampling;
  settings.decoder = StreamDecoder::Vae;
  StreamEngine engine(tiny_sd15(), settings);
  engine.apply(snapshot_of(request, seed));
  engine.step();
  const torch::Tensor stream_latent = stream_state(engine).last_latent;

  const bool has_background = stream_state(engine).derived.table.has_background;
  ReplayNoise noise(one_shot_draws(seed, engine.slots(), request.height / 8, request.width / 8, has_background,
                                   request.sampling.bootstrap_steps));
  const RegionLatents one_shot = region_latents(model_parts(tiny_sd15()), request, noise);
  EXPECT_EQ(noise.remaining(), 0u);
  EXPECT_TRUE(test::check_parity(label, stream_latent, one_shot.latents, 1e-5));
}

// The smd_region_128 layout (three layers over a background, bootstrapping, the reference's wrapping
// shift) with one blur σ for every layer: the stream blurs each layer with its own kernel width, the
// one-shot pipeline (as the reference) with the widest one, which agree when all σ are equal.
TEST(StreamParity, smd_region_128_steady_frame_is_the_one_shot_render) {
  RegionRequest request = test::region_fixture_request(test::open_case("smd_region_128"));
  for (RegionLayer& layer : request.layers) layer.mask_blur_std = 2.0;
  expect_stream_equals_one_shot(request, "stream vs one-shot, smd_region_128 layout");
}

TEST(StreamParity, smd_region_128_continuous_masks_without_bootstrap) {
  RegionRequest request = test::region_fixture_request(test::open_case("smd_region_128"));
  for (RegionLayer& layer : request.layers) layer.mask_blur_std = 0.0;
  request.sampling.mask_type = RegionMaskType::Continuous;
  request.sampling.bootstrap_steps = 0;
  request.sampling.reference_wrapping_shift = false;
  expect_stream_equals_one_shot(request, "stream vs one-shot, continuous, no bootstrap");
}

TEST(StreamParity, uncovered_canvas_blends_the_background_latent) {
  // One small layer and covering off: most pixels are left to the background latent, and slot 0
  // starts from the noised background because the first timestep is below 999.
  RegionRequest request;
  request.width = 64;
  request.height = 64;
  request.background.prompt = "fog";
  RegionLayer layer;
  layer.prompt = "a lighthouse";
  layer.mask = test::rect_mask(64, 64, 16, 40, 16, 40, 0.6f);
  request.layers.push_back(layer);
  request.sampling.t_index_list = {3, 20, 40};
  request.sampling.mask_type = RegionMaskType::Continuous;
  request.sampling.bootstrap_steps = 2;
  request.sampling.bootstrap_mix_steps = 1.5;
  expect_stream_equals_one_shot(request, "stream vs one-shot, background latent");
}

// The smd_region_128 layers painted over a background image of another size (no background layer, the
// picture's posterior sample as the background latent): the stream with the VAE encodes it with the
// same draw as the one-shot render.
TEST(StreamParity, smd_region_128_over_a_background_image) {
  RegionRequest request = test::region_fixture_request(test::open_case("smd_region_128"));
  for (RegionLayer& layer : request.layers) layer.mask_blur_std = 2.0;
  request.background.image = test::shared_photo(96, 160);
  expect_stream_equals_one_shot(request, "stream vs one-shot, over a background image");
}

}  // namespace
}  // namespace palette
