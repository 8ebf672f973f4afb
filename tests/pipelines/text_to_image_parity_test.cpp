// Text to image against diffusers' StableDiffusionPipeline (fixtures sd15_txt2img_*, sd21_txt2img_*)
// and StableDiffusionXLPipeline (sdxl_txt2img_*): the denoising loop, its noise draws and the decoded picture.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/model_parts.h"
#include "models/single_file_fixture.h"
#include "palette/model.h"
#include "pipelines/image_tensor.h"
#include "pipelines/text_to_image.h"
#include "pipelines/txt2img_case.h"
#include "sampling/noise_source.h"
#include "sampling/scheduler.h"
#include "support/parity.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

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

// SDXL, CFG 5 with a negative prompt, the model's own Euler (leading, steps_offset 1): both text encoders,
// the pooled embeddings and the time ids through the UNet's added embedding, then SDXL's VAE.
TEST(Parity, sdxl_txt2img_euler8_cfg) {
  auto c = open_txt2img("sdxl_txt2img_euler8_cfg");
  ASSERT_FALSE(c.options.negative_prompt.empty());
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sdxl"));
  EXPECT_EQ(parts.family, ModelFamily::Sdxl);
  EXPECT_EQ(parts.scheduler_config.at("timestep_spacing"), "leading");
  ReplayNoise no_draws({});  // Euler draws nothing once the initial latent is given
  const auto run = text_to_image_latents(parts, c.options, no_draws, c.file.load("latents_in"));
  EXPECT_EQ(run.sampler, Sampler::euler);
  EXPECT_TRUE(test::check_parity("latents_out", run.latents, c.file.load("latents_out"), 1e-3));
  EXPECT_TRUE(test::check_parity("image_out", decode_latents(parts, run.latents), c.file.load("image_out"), 1e-3));
}

// The same model as one original-layout file, as diffusers' convert_diffusers_to_original_sdxl.py writes it
// (conditioner.embedders.0/1, OpenCLIP's fused in_proj and text_projection, model.diffusion_model with
// label_emb, first_stage_model): diffusers' result again.
// The released checkpoints' spelling (sd_xl_base_1.0's `conditioner.embedders.0.transformer.text_model.…`, which
// to_original writes) as well.
TEST(Parity, sdxl_txt2img_euler8_cfg_from_single_file) {
  auto c = open_txt2img("sdxl_txt2img_euler8_cfg");
  test::TempDir tmp;
  ModelOptions options;
  options.config_dir = test::fixtures_dir() / "tiny-sdxl";  // tiny-sdxl's heads are not SDXL's 64-wide ones
  const auto layout = checkpoint::TextEncoderLayout::SdxlPair;
  for (const auto& [file, label] : {std::pair{test::write_single_file(tmp, "tiny-sdxl", layout), "diffusers' script"},
                                    std::pair{test::write_released_single_file(tmp, "tiny-sdxl", layout), "released"}}) {
    const Model model = Model::load(file, options);
    EXPECT_EQ(model.info().family, "SDXL");
    EXPECT_EQ(model.info().format, "single file (original layout)");
    ReplayNoise no_draws({});
    const auto run = text_to_image_latents(model_parts(model), c.options, no_draws, c.file.load("latents_in"));
    EXPECT_TRUE(test::check_parity(std::string(label) + " latents_out", run.latents, c.file.load("latents_out"), 1e-3));
    EXPECT_TRUE(test::check_parity(std::string(label) + " image_out", decode_latents(model_parts(model), run.latents),
                                   c.file.load("image_out"), 1e-3));
  }
}

// Micro-conditioning: another original size, a crop and a target size reach the UNet as time ids.
TEST(Parity, sdxl_txt2img_euler4_cfg_microcond) {
  auto c = open_txt2img("sdxl_txt2img_euler4_cfg_microcond");
  const auto pair = [&](const char* key) {
    const auto v = test::case_meta(c.file, key);
    return std::array<int, 2>{v.at(0).get<int>(), v.at(1).get<int>()};
  };
  c.options.original_size = pair("original_size");
  c.options.crop_top_left = pair("crops_coords_top_left");
  c.options.target_size = pair("target_size");
  ASSERT_EQ(c.options.width, 192);
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sdxl"));
  ReplayNoise no_draws({});
  const auto run = text_to_image_latents(parts, c.options, no_draws, c.file.load("latents_in"));
  EXPECT_TRUE(test::check_parity("latents_out", run.latents, c.file.load("latents_out"), 1e-3));
  // and without them the result is another one: the ids are not ignored
  c.options.original_size.reset();
  c.options.crop_top_left = {0, 0};
  const auto plain = text_to_image_latents(parts, c.options, no_draws, c.file.load("latents_in"));
  EXPECT_GT(test::relative_error(plain.latents, c.file.load("latents_out")), 1e-3);
}

// SDXL-Turbo / Lightning settings: guidance 0 (no CFG, no negative side), Euler with trailing spacing
// as such checkpoints ship their scheduler.
TEST(Parity, sdxl_txt2img_euler_trailing) {
  test::TempDir dir;
  const auto folder = dir / "tiny-sdxl-trailing";
  std::filesystem::copy(test::fixtures_dir() / "tiny-sdxl", folder, std::filesystem::copy_options::recursive);
  const auto config_file = folder / "scheduler" / "scheduler_config.json";
  std::filesystem::permissions(config_file, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  auto config = nlohmann::json::parse(std::ifstream(config_file));
  config["timestep_spacing"] = "trailing";
  std::ofstream(config_file) << config.dump();
  const Model model = Model::load(folder);
  for (const char* name : {"sdxl_txt2img_euler1_trailing", "sdxl_txt2img_euler4_trailing"}) {
    auto c = open_txt2img(name);
    ASSERT_EQ(c.options.guidance, 0.0);
    ReplayNoise no_draws({});
    const auto run = text_to_image_latents(model_parts(model), c.options, no_draws, c.file.load("latents_in"));
    EXPECT_TRUE(test::check_parity(std::string(name) + " latents_out", run.latents, c.file.load("latents_out"), 1e-3));
  }
}

// LCM-LoRA-SDXL's setting: LCM, 4 steps, guidance 1, the per-step noise from the recorded CPU seed.
TEST(Parity, sdxl_txt2img_lcm4) {
  auto c = open_txt2img("sdxl_txt2img_lcm4");
  const uint64_t seed = std::stoull(c.file.metadata().at("noise_seed"));
  SeededNoise seeded(seed);
  RecordingNoise noise(seeded);
  const auto run = text_to_image_latents(model_parts(test::fixture_model("tiny-sdxl")), c.options, noise,
                                         c.file.load("latents_in"));
  EXPECT_EQ(run.sampler, Sampler::lcm);
  EXPECT_EQ(noise.draws().size(), static_cast<size_t>(c.options.steps - 1));
  EXPECT_TRUE(test::check_parity("latents_out", run.latents, c.file.load("latents_out"), 1e-3));
}

}  // namespace
}  // namespace palette
