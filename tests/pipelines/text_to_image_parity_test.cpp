// Text to image against diffusers' StableDiffusionPipeline (fixtures sd15_txt2img_*, sd21_txt2img_*):
// the denoising loop, its noise draws and the decoded picture.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/model_parts.h"
#include "palette/model.h"
#include "pipelines/image_tensor.h"
#include "pipelines/text_to_image.h"
#include "pipelines/txt2img_case.h"
#include "sampling/noise_source.h"
#include "sampling/scheduler.h"
#include "support/parity.h"

namespace palette {
namespace {

using test::open_txt2img;

TEST(Parity, sd15_txt2img_lcm4) {
  auto c = open_txt2img("sd15_txt2img_lcm4");
  ASSERT_EQ(c.meta("noise_generator"), "cpu");
  const uint64_t seed = std::stoull(c.file.metadata().at("noise_seed"));
  const torch::Tensor latents_in = c.file.load("latents_in");
  EXPECT_TRUE(test::check_parity("SeededNoise draw vs latents_in",
                                 SeededNoise(seed).randn(latents_in.sizes()), latents_in, 1e-6));
  SeededNoise seeded(seed);
  RecordingNoise noise(seeded);
  const auto run =
      text_to_image_latents(model_parts(test::fixture_model("tiny-sd15")), c.options, noise, latents_in);
  EXPECT_EQ(run.sampler, Sampler::lcm);
  EXPECT_EQ(noise.draws().size(), static_cast<size_t>(c.options.steps - 1));  // every step but the last
  EXPECT_TRUE(test::check_parity("latents_out", run.latents, c.file.load("latents_out"), 1e-3));
}

TEST(Parity, sd15_txt2img_ddim10_cfg) {
  auto c = open_txt2img("sd15_txt2img_ddim10_cfg");
  ASSERT_FALSE(c.options.negative_prompt.empty());
  ASSERT_GT(c.options.guidance, 1.0);
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sd15"));
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
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sd21"));
  // SD-Turbo style: the model's own scheduler is Euler with trailing spacing.
  EXPECT_EQ(parts.scheduler_config.at("timestep_spacing"), "trailing");
  EXPECT_EQ(make_scheduler(parts.scheduler_config, std::nullopt)->sampler(), c.options.sampler);
  c.options.sampler = std::nullopt;
  ReplayNoise no_draws({});
  const auto run = text_to_image_latents(parts, c.options, no_draws, c.file.load("latents_in"));
  EXPECT_EQ(run.sampler, Sampler::euler);
  EXPECT_TRUE(test::check_parity("latents_out", run.latents, c.file.load("latents_out"), 1e-3));
}

}  // namespace
}  // namespace palette
