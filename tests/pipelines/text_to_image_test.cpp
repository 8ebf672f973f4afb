// Text to image: prompt encoding with CFG, latent decoding and 8-bit conversion, and the public render()
// with its validation, progress and cancellation. Against diffusers' StableDiffusionPipeline:
// text_to_image_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/render.h"
#include "pipelines/image_tensor.h"
#include "pipelines/prompt_encoding.h"
#include "pipelines/text_to_image.h"
#include "sampling/noise_source.h"
#include "sampling/scheduler.h"
#include "support/fixtures.h"
#include "support/error_of.h"
#include "support/parity.h"

namespace palette {
namespace {

using test::error_of;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- prompt encoding ----

TEST(PromptEncoding, CfgBatchesNegativeThenPrompt) {
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sd15"));
  const PromptEmbeddings text = encode_prompt(parts, "a red house", "blurry", /*cfg=*/true);
  ASSERT_TRUE(text.has_uncond());
  const torch::Tensor alone = encode_prompts(parts, {"blurry", "a red house"});
  EXPECT_LT(test::relative_error(text.uncond, alone[0].unsqueeze(0)), 1e-6);
  EXPECT_LT(test::relative_error(text.cond, alone[1].unsqueeze(0)), 1e-6);
  const torch::Tensor batch = text.unet_batch(2);
  ASSERT_EQ(batch.size(0), 4);
  EXPECT_TRUE(torch::equal(batch[1], text.uncond[0]));
  EXPECT_TRUE(torch::equal(batch[2], text.cond[0]));
}

TEST(PromptEncoding, WithoutCfgThereIsNoUncondHalf) {
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sd15"));
  const PromptEmbeddings text = encode_prompt(parts, "a red house", "blurry", /*cfg=*/false);
  EXPECT_FALSE(text.has_uncond());
  EXPECT_EQ(text.unet_batch().size(0), 1);
  EXPECT_EQ(text.cond.size(1), 77);
  EXPECT_EQ(text.cond.size(2), parts.text_encoder->config().hidden_size);
}

// SDXL: the pooled embeddings are laid out as the states ([uncond; cond] per copy), the time ids go along
// as given, and a clip skip (SDXL reads the penultimate layers already) is refused by name.
TEST(PromptEncoding, SdxlPooledHalvesAndClipSkip) {
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sdxl"));
  const PromptEmbeddings text = encode_prompt(parts, "a red house", "blurry", /*cfg=*/true);
  const torch::Tensor ids = sdxl_time_ids(parts, {128, 128}, {0, 0}, {128, 128});
  const UNetConditions c = text.unet_conditions(2, ids, {});
  ASSERT_EQ(c.text_embeds.size(0), 4);
  EXPECT_TRUE(torch::equal(c.text_embeds[1], text.pooled_uncond[0]));
  EXPECT_TRUE(torch::equal(c.text_embeds[2], text.pooled_cond[0]));
  EXPECT_TRUE(torch::equal(c.time_ids, ids));
  const std::string message = error_of([&] { encode_prompt(parts, "a red house", "", false, /*clip_skip=*/2); });
  EXPECT_NE(message.find("clip_skip 2 is not supported for SDXL models (use 1)"), std::string::npos) << message;
  // and the crops of views replace the canvas's corner, row by row
  const torch::Tensor crops = sdxl_crop_time_ids(ids, {{0, 0}, {64, 128}});
  EXPECT_EQ(crops[1][2].item<float>(), 64.0f);
  EXPECT_EQ(crops[1][3].item<float>(), 128.0f);
  EXPECT_EQ(crops[1][4].item<float>(), 128.0f);
}

TEST(PromptEncoding, GuidanceRule) {
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sd15"));
  EXPECT_TRUE(uses_classifier_free_guidance(parts, 7.5));
  EXPECT_FALSE(uses_classifier_free_guidance(parts, 1.0));
  EXPECT_FALSE(uses_classifier_free_guidance(parts, 0.0));
  EXPECT_FALSE(guidance_condition(parts, 7.5, 1).defined());  // no guidance-embedding input
  const torch::Tensor out = torch::tensor({1.0f, 2.0f, 5.0f, 3.0f}).view({4, 1});
  EXPECT_TRUE(torch::allclose(apply_guidance(out, 3.0), torch::tensor({13.0f, 5.0f}).view({2, 1})));
  EXPECT_TRUE(contains(error_of([&] { apply_guidance(out.slice(0, 0, 3), 3.0); }), "even"));
}

// ---- decoding to 8 bits ----

TEST(ImageTensor, RoundsLikeDiffusers) {
  // -1 → 0, 1 → 255, 0 → 127.5 rounds half to even → 128, beyond the range clamps.
  const torch::Tensor x = torch::tensor({-1.0f, 1.0f, 0.0f, 3.0f, -2.0f, 0.5f}).view({1, 3, 1, 2});
  const Image img = to_image(x);
  ASSERT_EQ(img.width, 2);
  ASSERT_EQ(img.height, 1);
  ASSERT_EQ(img.channels, 3);
  // Interleaved: pixel 0 = (c0[0], c1[0], c2[0]) = (-1, 0, -2).
  EXPECT_EQ(std::vector<int>(img.pixels.begin(), img.pixels.end()),
            (std::vector<int>{0, 128, 0, 255, 255, 191}));
  EXPECT_TRUE(contains(error_of([] { to_image(torch::zeros({1, 4, 2, 2})); }), "(1,4,2,2)"));
  EXPECT_TRUE(contains(error_of([] { to_image(torch::zeros({1, 3, 2, 2}), 1); }), "item 1"));
}

TEST(ImageTensor, DecodesToEightTimesTheLatent) {
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sd15"));
  const torch::Tensor decoded = decode_latents(parts, torch::zeros({2, 4, 8, 12}));
  EXPECT_EQ(decoded.sizes(), (std::vector<int64_t>{2, 3, 64, 96}));
  EXPECT_EQ(decoded.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(contains(error_of([&] { decode_latents(parts, torch::zeros({1, 3, 8, 8})); }), "(1,3,8,8)"));
}

// Without given latents the initial latent is the first draw and the sampler's noise follows from the
// same source, as diffusers with one generator and no `latents`.
TEST(TextToImage, DrawsTheInitialLatentFirst) {
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sd15"));
  RenderOptions o;
  o.prompt = "a red house by the sea";
  o.sampler = Sampler::lcm;
  o.steps = 3;
  o.guidance = 1.0;
  o.width = 64;
  o.height = 64;
  SeededNoise seeded(5);
  RecordingNoise noise(seeded);
  const auto run = text_to_image_latents(parts, o, noise);
  ASSERT_EQ(noise.draws().size(), 3u);  // initial latent, then steps 1 and 2
  EXPECT_TRUE(torch::equal(noise.draws()[0], SeededNoise(5).randn({1, 4, 8, 8})));
  ReplayNoise rest({noise.draws()[1], noise.draws()[2]});
  const auto replayed = text_to_image_latents(parts, o, rest, noise.draws()[0]);
  EXPECT_TRUE(torch::equal(replayed.latents, run.latents));
  EXPECT_TRUE(contains(error_of([&] {
                         text_to_image_latents(parts, o, rest, torch::zeros({1, 4, 8, 16}));
                       }),
                       "initial noise must be (1,4,8,8) for a 64×64 image, got (1,4,8,16)"));
}

// ---- render() ----

RenderOptions small_options() {
  RenderOptions o;
  o.prompt = "a red house by the sea";
  o.sampler = Sampler::lcm;
  o.steps = 2;
  o.guidance = 1.0;
  o.seed = 7;
  o.width = 64;
  o.height = 96;
  return o;
}

TEST(Render, ValidatesBeforeRunning) {
  const Model& model = test::fixture_model("tiny-sd15");
  auto with = [&](const std::function<void(RenderOptions&)>& change) {
    RenderOptions o = small_options();
    change(o);
    return error_of([&] { render(model, o); });
  };
  EXPECT_EQ(with([](RenderOptions& o) { o.width = 100; }),
            "width 100 is not a multiple of 8 (the VAE works on 8×8 pixel blocks)");
  EXPECT_EQ(with([](RenderOptions& o) { o.height = 56; }), "height 56 is below the minimum of 64 pixels");
  EXPECT_TRUE(contains(with([](RenderOptions& o) { o.width = 32768; }), "width 32768 is above the maximum"));
  EXPECT_TRUE(contains(with([](RenderOptions& o) { o.steps = 0; }), "steps 0"));
  EXPECT_EQ(with([](RenderOptions& o) { o.guidance = -1; }), "guidance -1 must be a finite number in [0, 100]");
  EXPECT_EQ(with([](RenderOptions& o) { o.guidance = 1e308; }), "guidance 1e+308 must be a finite number in [0, 100]");
  EXPECT_EQ(with([](RenderOptions& o) { o.prompt = "a house\xff"; }), "prompt: not valid UTF-8 at byte 7 (0xff)");
  EXPECT_EQ(with([](RenderOptions& o) { o.negative_prompt = "\xed\xa0\x80"; }),  // a surrogate
            "negative_prompt: not valid UTF-8 at byte 0 (0xed)");
  EXPECT_TRUE(contains(with([](RenderOptions& o) { o.sampler = Sampler::lcm_stream; }),
                       "unknown sampler 'lcm_stream'"));
  EXPECT_TRUE(contains(with([](RenderOptions& o) { o.steps = 51; }), "51"));  // past LCM's 50
}

TEST(Render, SameSeedSamePictureAndProgress) {
  const Model& model = test::fixture_model("tiny-sd15");
  RenderOptions o = small_options();
  std::vector<std::pair<int, int>> calls;
  o.progress = [&](int step, int total) { calls.emplace_back(step, total); };
  const RenderResult a = render(model, o);
  EXPECT_EQ(calls, (std::vector<std::pair<int, int>>{{1, 2}, {2, 2}}));
  EXPECT_EQ(a.image.width, 64);
  EXPECT_EQ(a.image.height, 96);
  EXPECT_EQ(a.image.channels, 3);
  EXPECT_EQ(a.seed, 7u);
  EXPECT_EQ(a.sampler, Sampler::lcm);
  EXPECT_GT(a.timings.total_ms, 0);
  const RenderResult b = render(model, o);
  EXPECT_EQ(a.image.pixels, b.image.pixels);
  o.seed = 8;
  EXPECT_NE(render(model, o).image.pixels, a.image.pixels);
}

TEST(Render, RandomSeedIsReported) {
  const Model& model = test::fixture_model("tiny-sd15");
  RenderOptions o = small_options();
  o.seed.reset();
  const RenderResult a = render(model, o);
  o.seed = a.seed;
  EXPECT_EQ(render(model, o).image.pixels, a.image.pixels);
}

TEST(Render, CancelStopsWithCancelled) {
  const Model& model = test::fixture_model("tiny-sd15");
  RenderOptions o = small_options();
  std::atomic<bool> cancel{false};
  o.cancel = &cancel;
  int steps_seen = 0;
  o.progress = [&](int, int) {
    ++steps_seen;
    cancel = true;  // raised during step 1: step 2 never runs
  };
  EXPECT_THROW(render(model, o), Cancelled);
  EXPECT_EQ(steps_seen, 1);
  EXPECT_EQ(error_of([&] { render(model, o); }), "cancelled");  // raised before anything runs
}

}  // namespace
}  // namespace palette
