// Region rendering: the one-shot StreamMultiDiffusion pipeline against the authors' code (fixtures
// smd_region_128 and smd_region_tiled_128x192, with their recorded noise replayed).
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

void run_region_case(const std::string& name) {
  const SafetensorsFile file = test::open_case(name);
  const RegionRequest request = test::region_fixture_request(file);
  ReplayNoise noise(test::region_fixture_draws(file));
  const RegionLatents run = region_latents(model_parts(tiny_sd15()), request, noise);
  EXPECT_EQ(noise.remaining(), 0u) << "every recorded draw is used";
  EXPECT_TRUE(test::check_parity(name, run.latents, file.load("latents_out", torch::kFloat32), 1e-3));
}

TEST(Parity, smd_region_128) {
  run_region_case("smd_region_128");
}

TEST(Parity, smd_region_tiled_128x192) {
  run_region_case("smd_region_tiled_128x192");
}

}  // namespace
}  // namespace palette
