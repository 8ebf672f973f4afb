// Text to image: prompt encoding with CFG, latent decoding and 8-bit conversion, the denoising loop
// against diffusers' StableDiffusionPipeline (fixtures sd15_txt2img_*, sd21_txt2img_*), and the
// public render() with its validation, progress and cancellation.
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

// Loading costs a little; each fixture model is loaded once for the whole test program.
const Model& tiny_model(const std::string& name) {
  static std::map<std::string, Model> models;
  auto it = models.find(name);
  if (it == models.end()) it = models.emplace(name, Model::load(test::fixtures_dir() / name)).first;
  return it->second;
}

using test::error_of;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- prompt encoding ----

TEST(PromptEncoding, CfgBatchesNegativeThenPrompt) {
  const ModelParts& parts = tiny_model("tiny-sd15").parts();
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
  const ModelParts& parts = tiny_model("tiny-sd15").parts();
  const PromptEmbeddings text = encode_prompt(parts, "a red house", "blurry", /*cfg=*/false);
  EXPECT_FALSE(text.has_uncond());
  EXPECT_EQ(text.unet_batch().size(0), 1);
  EXPECT_EQ(text.cond.size(1), 77);
  EXPECT_EQ(text.cond.size(2), parts.text_encoder->config().hidden_size);
}

TEST(PromptEncoding, GuidanceRule) {
  const ModelParts& parts = tiny_model("tiny-sd15").parts();
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
  const ModelParts& parts = tiny_model("tiny-sd15").parts();
  const torch::Tensor decoded = decode_latents(parts, torch::zeros({2, 4, 8, 12}));
  EXPECT_EQ(decoded.sizes(), (std::vector<int64_t>{2, 3, 64, 96}));
  EXPECT_EQ(decoded.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(contains(error_of([&] { decode_latents(parts, torch::zeros({1, 3, 8, 8})); }), "(1,3,8,8)"));
}

// ---- parity with diffusers' StableDiffusionPipeline ----

struct Txt2ImgCase {
  SafetensorsFile file;
  RenderOptions options;
  std::string meta(const std::string& key) const {
    return nlohmann::json::parse(file.metadata().at(key)).get<std::string>();
  }
};

// Options from the case's metadata: prompt, negative prompt, scheduler class, steps, guidance; the
// size from latents_in.
Txt2ImgCase open_txt2img(const std::string& name) {
  Txt2ImgCase c{test::open_case(name), {}};
  const auto& m = c.file.metadata();
  c.options.prompt = c.meta("prompt");
  if (m.count("negative_prompt")) c.options.negative_prompt = c.meta("negative_prompt");
  const std::string scheduler = c.meta("scheduler");
  // A diffusers class name, "EulerDiscreteScheduler(trailing)": the engine's factory reads it.
  c.options.sampler =
      make_scheduler(nlohmann::json::object(), scheduler.substr(0, scheduler.find('(')))->sampler();
  c.options.steps = std::stoi(m.at("steps"));
  c.options.guidance = std::stod(m.at("guidance"));
  const auto& shape = c.file.entry("latents_in").shape;
  c.options.height = static_cast<int>(shape[2] * 8);
  c.options.width = static_cast<int>(shape[3] * 8);
  return c;
}

// The reference drew latents_in from a CPU generator seeded with noise_seed and passed it as the
// pipeline's `latents`, together with a freshly seeded generator of the same seed, which therefore
// gave only the LCM step noise: its draws start over (the first step's noise equals latents_in).
TEST(Parity, sd15_txt2img_lcm4) {
  auto c = open_txt2img("sd15_txt2img_lcm4");
  ASSERT_EQ(c.meta("noise_generator"), "cpu");
  const uint64_t seed = std::stoull(c.file.metadata().at("noise_seed"));
  const torch::Tensor latents_in = c.file.load("latents_in");
  EXPECT_TRUE(test::check_parity("SeededNoise draw vs latents_in",
                                 SeededNoise(seed).randn(latents_in.sizes()), latents_in, 1e-6));
  SeededNoise seeded(seed);
  RecordingNoise noise(seeded);
  const auto run = text_to_image_latents(tiny_model("tiny-sd15").parts(), c.options, noise, latents_in);
  EXPECT_EQ(run.sampler, Sampler::lcm);
  EXPECT_EQ(noise.draws().size(), static_cast<size_t>(c.options.steps - 1));  // every step but the last
  EXPECT_TRUE(test::check_parity("latents_out", run.latents, c.file.load("latents_out"), 1e-3));
}

// Without given latents the initial latent is the first draw and the sampler's noise follows from the
// same source, as diffusers with one generator and no `latents`.
TEST(TextToImage, DrawsTheInitialLatentFirst) {
  const ModelParts& parts = tiny_model("tiny-sd15").parts();
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

TEST(Parity, sd15_txt2img_ddim10_cfg) {
  auto c = open_txt2img("sd15_txt2img_ddim10_cfg");
  ASSERT_FALSE(c.options.negative_prompt.empty());
  ASSERT_GT(c.options.guidance, 1.0);
  const ModelParts& parts = tiny_model("tiny-sd15").parts();
  ReplayNoise no_draws({});  // DDIM with eta 0 draws nothing once the initial latent is given
  const auto run = text_to_image_latents(parts, c.options, no_draws, c.file.load("latents_in"));
  EXPECT_EQ(run.sampler, Sampler::ddim);
  EXPECT_TRUE(test::check_parity("latents_out", run.latents, c.file.load("latents_out"), 1e-3));
  // image_out is the VAE's raw output (about [-1,1], not clamped), before the 8-bit conversion.
  const torch::Tensor expected_image = c.file.load("image_out");
  EXPECT_LT(expected_image.min().item<float>(), -1.0f);
  const torch::Tensor decoded = decode_latents(parts, run.latents);
  EXPECT_TRUE(test::check_parity("image_out", decoded, expected_image, 1e-3));
}

TEST(Parity, sd21_txt2img_euler1) {
  auto c = open_txt2img("sd21_txt2img_euler1");
  const ModelParts& parts = tiny_model("tiny-sd21").parts();
  // SD-Turbo style: the model's own scheduler is Euler with trailing spacing.
  EXPECT_EQ(parts.scheduler_config.at("timestep_spacing"), "trailing");
  EXPECT_EQ(make_scheduler(parts.scheduler_config, std::nullopt)->sampler(), c.options.sampler);
  c.options.sampler = std::nullopt;
  ReplayNoise no_draws({});
  const auto run = text_to_image_latents(parts, c.options, no_draws, c.file.load("latents_in"));
  EXPECT_EQ(run.sampler, Sampler::euler);
  EXPECT_TRUE(test::check_parity("latents_out", run.latents, c.file.load("latents_out"), 1e-3));
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
  const Model& model = tiny_model("tiny-sd15");
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
  const Model& model = tiny_model("tiny-sd15");
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
  const Model& model = tiny_model("tiny-sd15");
  RenderOptions o = small_options();
  o.seed.reset();
  const RenderResult a = render(model, o);
  o.seed = a.seed;
  EXPECT_EQ(render(model, o).image.pixels, a.image.pixels);
}

TEST(Render, CancelStopsWithCancelled) {
  const Model& model = tiny_model("tiny-sd15");
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

// On CUDA the pipelines run in float16 (the CLI's default there): the same reference cases, with
// tolerances for half precision, and a finite picture at the end.
TEST(TextToImageGpu, HalfPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  ModelOptions half;
  half.device = torch::kCUDA;
  half.dtype = torch::kHalf;
  const std::pair<const char*, const char*> cases[] = {{"sd21_txt2img_euler1", "tiny-sd21"},
                                                       {"sd15_txt2img_lcm4", "tiny-sd15"}};
  for (const auto& [name, model_name] : cases) {
    const Model model = Model::load(test::fixtures_dir() / model_name, half);
    auto c = open_txt2img(name);
    SeededNoise step_noise(
        c.file.metadata().count("noise_seed") ? std::stoull(c.file.metadata().at("noise_seed")) : 0);
    const auto run = text_to_image_latents(model.parts(), c.options, step_noise, c.file.load("latents_in"));
    EXPECT_EQ(run.latents.scalar_type(), torch::kHalf);
    EXPECT_TRUE(run.latents.is_cuda());
    EXPECT_TRUE(test::check_parity(std::string(name) + " cuda float16 latents_out", run.latents,
                                   c.file.load("latents_out"), 5e-2));
    const torch::Tensor decoded = decode_latents(model.parts(), run.latents);
    EXPECT_TRUE(torch::isfinite(decoded).all().item<bool>()) << name;
  }
}

}  // namespace
}  // namespace palette
