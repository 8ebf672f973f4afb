// The stream engine against the one-shot region render: in steady state a frame is the one-shot render
// with the same noise (the one-shot pipeline itself matches the authors' code on smd_region_* and
// smd_sdxl_region_128), with and without bootstrapping, over an uncovered canvas and over a background
// picture, and on SDXL with the authors' Euler stepping.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/model_parts.h"
#include "palette/document_requests.h"
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

// The same for the Euler schedule (SDXL): slot 0's draw starts the run and noises the background and
// white latents to every σ; the one-shot render takes it first when it starts from the background, and
// otherwise after a draw it discards. Nothing is drawn per step.
std::vector<torch::Tensor> one_shot_euler_draws(uint64_t seed, int64_t slots, int64_t h, int64_t w,
                                                bool has_background, int bootstrap_steps, bool from_background) {
  SeededNoise noise(seed);
  const torch::Tensor background = noise.randn({1, 4, h, w});
  const torch::Tensor white = noise.randn({1, 4, h, w});
  const torch::Tensor slot0 = noise.randn({1, 4, h, w});
  std::vector<torch::Tensor> draws;
  if (has_background) draws.push_back(background);
  if (bootstrap_steps > 0) draws.push_back(white);
  if (!from_background) draws.push_back(torch::full({1, 4, h, w}, 1e3));  // discarded: would show if used
  draws.push_back(slot0);
  (void)slots;
  return draws;
}

void expect_stream_equals_one_shot(RegionRequest request, const std::string& label,
                                   const Model& model = tiny_sd15()) {
  const uint64_t seed = 5;
  StreamSettings settings;
  settings.sampling = request.sampling;
  settings.decoder = StreamDecoder::Vae;
  StreamEngine engine(model, settings);
  engine.apply(snapshot_of(request, seed));
  engine.step();
  const torch::Tensor stream_latent = stream_state(engine).last_latent;

  const StreamEngine::State& state = stream_state(engine);
  const bool has_background = state.derived.table.has_background;
  const int64_t h = request.height / 8, w = request.width / 8;
  ReplayNoise noise(state.schedule.euler()
                        ? one_shot_euler_draws(seed, engine.slots(), h, w, has_background,
                                               request.sampling.bootstrap_steps,
                                               has_background && state.schedule.timesteps[0] < 999)
                        : one_shot_draws(seed, engine.slots(), h, w, has_background, request.sampling.bootstrap_steps));
  const RegionLatents one_shot = region_latents(model_parts(model), request, noise);
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

// SDXL (the authors' SDXL stream: Euler on the trailing grid, σ-space latents, each layer's ODE step
// blended, nothing re-noised between slots; pooled embeddings per layer and the canvas's time ids):
// the smd_sdxl_region_128 layout, whose one-shot render matches the authors' pipeline.
TEST(StreamParity, sdxl_smd_region_128_steady_frame_is_the_one_shot_render) {
  RegionRequest request = test::region_fixture_request(test::open_case("smd_sdxl_region_128"));
  for (RegionLayer& layer : request.layers) layer.mask_blur_std = 2.0;
  expect_stream_equals_one_shot(request, "SDXL stream vs one-shot, smd_sdxl_region_128 layout",
                                test::fixture_model("tiny-sdxl"));
}

TEST(StreamParity, sdxl_uncovered_canvas_without_bootstrap) {
  RegionRequest request = test::region_fixture_request(test::open_case("smd_sdxl_region_128"));
  request.layers.resize(1);
  request.layers[0].mask = test::rect_mask(request.height, request.width, 16, 80, 24, 100, 0.8f);
  request.layers[0].mask_blur_std = 0.0;
  request.sampling.bootstrap_steps = 0;
  request.sampling.mask_type = RegionMaskType::Continuous;
  expect_stream_equals_one_shot(request, "SDXL stream vs one-shot, one layer over the background latent",
                                test::fixture_model("tiny-sdxl"));
}

// With classifier-free guidance: the negative side's hidden states and pooled embeddings (zeros for an
// empty negative prompt, SDXL's force_zeros_for_empty_prompt) laid out as the positive side's.
TEST(StreamParity, sdxl_with_guidance) {
  RegionRequest request = test::region_fixture_request(test::open_case("smd_sdxl_region_128"));
  for (RegionLayer& layer : request.layers) layer.mask_blur_std = 2.0;
  request.layers[0].negative_prompt = "blurry";
  request.layers[1].prompt_strength = 0.6;
  request.sampling.guidance = 3.0;
  expect_stream_equals_one_shot(request, "SDXL stream vs one-shot, guidance 3", test::fixture_model("tiny-sdxl"));
}

// The live settings pick the mode by the device alone, whatever the family: regional attention on a CPU.
TEST(StreamParity, live_settings_pick_regional_attention_on_a_cpu_for_every_family) {
  StreamSettings settings;
  settings.mode = StreamMode::MultiDiffusion;
  EXPECT_EQ(live_stream_settings(test::fixture_model("tiny-sdxl"), settings).mode, StreamMode::RegionalAttention);
  EXPECT_EQ(live_stream_settings(tiny_sd15(), settings).mode, StreamMode::RegionalAttention);
}

// The live picture on a CPU (the app's and eval-default --live's): regional attention, lcm capped at three
// steps (lcm_stream keeps its schedule), no guidance, continuous masks, and a canvas halved to a side of at
// most 256.
TEST(StreamParity, live_picture_on_a_cpu_is_regional_small_and_at_most_three_lcm_steps) {
  GenerationSettings settings;
  settings.sampler = Sampler::lcm;
  settings.steps = 5;
  settings.guidance = 1.25;
  settings.bootstrap_steps = 0;
  const StreamSettings live = live_picture_settings(tiny_sd15(), settings);
  EXPECT_EQ(live.sampling.guidance, 1.0);
  EXPECT_EQ(live.sampling.bootstrap_steps, 0);
  settings.guidance = 0.5;
  EXPECT_EQ(live_picture_settings(tiny_sd15(), settings).sampling.guidance, 0.5);
  EXPECT_EQ(live.mode, StreamMode::RegionalAttention);
  EXPECT_EQ(live.sampling.mask_type, RegionMaskType::Continuous);
  EXPECT_EQ(live.sampling.t_index_list, (std::vector<int>{0, 16, 32}));  // diffusers' 3-step LCM grid
  settings.steps = 2;
  EXPECT_EQ(live_picture_settings(tiny_sd15(), settings).sampling.t_index_list, (std::vector<int>{0, 25}));
  settings.sampler = Sampler::lcm_stream;
  settings.steps = kLcmStreamSteps;
  EXPECT_EQ(live_picture_settings(tiny_sd15(), settings).sampling.t_index_list, (std::vector<int>{0, 4, 12, 25, 37}));
  settings.sampler = Sampler::ddim;
  EXPECT_THROW(live_picture_settings(tiny_sd15(), settings), Error);

  // What the live picture does not use keeps the app's stream batch: guidance above 1 and lcm steps above
  // the cap on a CPU, and what no batch holds (seed); what it uses needs a new one.
  GenerationSettings a, b;
  a.sampler = b.sampler = Sampler::lcm;
  a.steps = 4, b.steps = 6;
  a.guidance = 1.25, b.guidance = 3.0;
  a.seed = 1, b.seed = 2;
  EXPECT_TRUE(same_live_batch(tiny_sd15(), a, b));
  b.guidance = 0.5;
  EXPECT_FALSE(same_live_batch(tiny_sd15(), a, b));
  b.guidance = 3.0, b.steps = 2;
  EXPECT_FALSE(same_live_batch(tiny_sd15(), a, b));
  b.steps = 6, b.bootstrap_steps = a.bootstrap_steps + 1;
  EXPECT_FALSE(same_live_batch(tiny_sd15(), a, b));
  b.bootstrap_steps = a.bootstrap_steps, b.sampler = Sampler::lcm_stream;
  EXPECT_FALSE(same_live_batch(tiny_sd15(), a, b));

  EXPECT_EQ(live_picture_halvings(tiny_sd15(), 256, 256), 0);
  EXPECT_EQ(live_picture_halvings(tiny_sd15(), 512, 512), 1);
  EXPECT_EQ(live_picture_halvings(tiny_sd15(), 1024, 768), 2);
  EXPECT_EQ(live_picture_halvings(tiny_sd15(), 264, 64), 1);
  // On a GPU, up to one and a half times the model's native side: SD 1.5 (512) paints 768² live and 1024² at
  // 512²; 2048×1024 halves twice (1024×512 is still over 768); SDXL (1024) keeps 1536² and paints 2048² at 1024².
  EXPECT_EQ(live_picture_halvings(false, 512, 768, 768), 0);
  EXPECT_EQ(live_picture_halvings(false, 512, 1024, 1024), 1);
  EXPECT_EQ(live_picture_halvings(false, 512, 2048, 1024), 2);
  EXPECT_EQ(live_picture_halvings(false, 1024, 1536, 1536), 0);
  EXPECT_EQ(live_picture_halvings(false, 1024, 2048, 2048), 1);
  EXPECT_EQ(live_picture_halvings(true, 1024, 512, 512), 1);  // the CPU's cap whatever the model
  EXPECT_EQ(halved_canvas(1024, 768, 2), std::make_pair(256, 192));
  EXPECT_EQ(halved_canvas(1024, 768, 0), std::make_pair(1024, 768));
  EXPECT_EQ(halved_canvas(200, 120, 1), std::make_pair(96, 64));  // multiples of 8, never below 64
  EXPECT_EQ(halved_canvas(64, 64, 3), std::make_pair(64, 64));
}

}  // namespace
}  // namespace palette
