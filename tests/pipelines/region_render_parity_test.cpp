// Region rendering: the one-shot StreamMultiDiffusion pipeline against the authors' code (fixtures
// smd_region_128 and smd_region_tiled_128x192, and their SDXL pipeline's smd_sdxl_region_128, with the
// recorded noise replayed).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/regions.h"
#include "pipelines/region_parts.h"
#include "pipelines/region_render.h"
#include "sampling/noise_source.h"
#include "support/fixtures.h"
#include "support/parity.h"
#include "pipelines/region_fixture.h"

namespace palette {
namespace {

const Model& tiny_sd15() { return test::fixture_model("tiny-sd15"); }

void run_region_case(const std::string& name, const Model& model = tiny_sd15()) {
  const SafetensorsFile file = test::open_case(name);
  const RegionRequest request = test::region_fixture_request(file);
  ReplayNoise noise(test::region_fixture_draws(file));
  const RegionLatents run = region_latents(model_parts(model), request, noise);
  EXPECT_EQ(noise.remaining(), 0u) << "every recorded draw is used";
  EXPECT_TRUE(test::check_parity(name, run.latents, file.load("latents_out", torch::kFloat32), 1e-3));
}

TEST(Parity, smd_region_128) {
  run_region_case("smd_region_128");
}

TEST(Parity, smd_region_tiled_128x192) {
  run_region_case("smd_region_tiled_128x192");
}

// SDXL: Euler steps on the trailing grid at the same five timesteps, the pooled embeddings per layer and
// the time ids, the background latent and the one draw that noises it (and the white bootstrap latent) to
// each σ. The reference takes its white latent from a 1024² encode it caches when it is built, whose
// posterior draw the fixture does not hold (and crops it, comparing latent rows with pixel rows: a
// reference bug; the engine encodes white at the canvas size). So the white here is its posterior mean:
// random whites land at 1.2–1.8 %, the mean at 1.1 %, everything else exact (next test); other mistakes
// in the pipeline land far above (no background latent 7 %, a background layer masked to the uncovered
// part 36 %).
TEST(Parity, smd_sdxl_region_128) {
  const SafetensorsFile file = test::open_case("smd_sdxl_region_128");
  const ModelParts& parts = model_parts(test::fixture_model("tiny-sdxl"));
  const RegionSchedule schedule = region_schedule(parts, RegionSampling{});
  const auto timesteps = test::case_meta(file, "timesteps");
  ASSERT_EQ(schedule.timesteps.size(), timesteps.size());
  for (size_t i = 0; i < timesteps.size(); ++i) EXPECT_EQ(double(schedule.timesteps[i]), timesteps[i].get<double>());
  EXPECT_TRUE(schedule.euler());
  std::vector<torch::Tensor> draws = test::region_fixture_draws(file);
  ASSERT_EQ(draws.size(), 3u);  // the background's posterior draw, then the latent's two
  draws.insert(draws.begin() + 1, torch::zeros_like(draws[0]));  // the white's, not recorded: its mean
  ReplayNoise noise(draws);
  const RegionLatents run = region_latents(parts, test::region_fixture_request(file), noise);
  EXPECT_EQ(noise.remaining(), 0u);
  EXPECT_TRUE(test::check_parity("smd_sdxl_region_128 (white at its mean)", run.latents,
                                 file.load("latents_out", torch::kFloat32), 2e-2));
}

// The same Euler region stepping without bootstrapping, one all-covering layer and the trailing grid's
// every step is text to image: diffusers' StableDiffusionXLPipeline on SDXL-Turbo settings, exactly.
TEST(Parity, sdxl_region_one_layer_is_text_to_image) {
  const SafetensorsFile file = test::open_case("sdxl_txt2img_euler4_trailing");
  const auto prompt = test::case_meta(file, "prompt").get<std::string>();
  const torch::Tensor latents_in = file.load("latents_in");
  RegionRequest request;
  request.height = int(latents_in.size(2) * 8);
  request.width = int(latents_in.size(3) * 8);
  request.background.prompt = prompt;
  request.sampling.guidance = 0;
  request.sampling.bootstrap_steps = 0;
  request.sampling.index_steps = 4;
  request.sampling.t_index_list = {0, 1, 2, 3};
  // the first draw starts a latent the reference draws again when there is no background to noise
  ReplayNoise noise({torch::zeros_like(latents_in), latents_in});
  const RegionLatents run = region_latents(model_parts(test::fixture_model("tiny-sdxl")), request, noise);
  EXPECT_EQ(noise.remaining(), 0u);
  EXPECT_TRUE(test::check_parity("one-layer SDXL region render vs sdxl_txt2img_euler4_trailing", run.latents,
                                 file.load("latents_out"), 1e-3));
}

}  // namespace
}  // namespace palette
