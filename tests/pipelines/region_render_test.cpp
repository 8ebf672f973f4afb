// Region rendering: the request validation of palette/regions.h and the public render's seeding and
// caching. Against the authors' code: region_render_parity_test.cpp.
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
#include "palette/stream.h"
#include "pipelines/region_parts.h"
#include "pipelines/region_render.h"
#include "sampling/noise_source.h"
#include "support/fixtures.h"
#include "support/error_of.h"
#include "support/parity.h"
#include "pipelines/region_fixture.h"

namespace palette {
namespace {

const Model& tiny_sd15() { return test::fixture_model("tiny-sd15"); }

using test::error_of;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- validation ----

RegionRequest small_request() {
  RegionRequest r;
  r.width = 64;
  r.height = 64;
  r.seed = 3;
  r.background.prompt = "a sunny meadow";
  RegionLayer layer;
  layer.prompt = "a red house";
  layer.mask = torch::zeros({64, 64});
  layer.mask.slice(0, 16, 48).slice(1, 8, 40).fill_(1);
  r.layers.push_back(layer);
  return r;
}

TEST(RegionRequest, DefaultsAreValid) {
  EXPECT_NO_THROW(validate_region_request(small_request()));
  RegionRequest defaults;
  EXPECT_NO_THROW(validate_region_request(defaults));  // background only
}

TEST(RegionRequest, RejectsBadSizes) {
  RegionRequest r = small_request();
  r.width = 100;
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "width 100"));
  r = small_request();
  r.height = 32;
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "height 32"));
  r = small_request();
  r.sampling.tile_size = 100;
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "sampling.tile_size"));
  r.sampling.tile_size = 0;  // the model family's: 768, or 1024 for SDXL
  EXPECT_NO_THROW(validate_region_request(r));
  r.sampling.tile_size = -8;
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "sampling.tile_size"));
}

TEST(RegionRequest, RejectsBadMasks) {
  RegionRequest r = small_request();
  r.layers[0].mask = torch::zeros({2, 64, 64});
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "layers[0].mask"));
  r.layers[0].mask = torch::zeros({0, 64});
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "empty"));
  r.layers[0].mask = torch::full({64, 64}, 2.0);
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "[0, 1]"));
  r.layers[0].mask = torch::full({64, 64}, std::nan(""));
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "NaN"));
  r.layers[0].mask = torch::Tensor();
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "neither a mask"));
  r.layers[0].mask_image = Image{4, 4, 3, std::vector<uint8_t>(48, 255)};
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "layers[0].mask_image"));
  r.layers[0].mask_image = Image{4, 4, 1, std::vector<uint8_t>(16, 255)};
  EXPECT_NO_THROW(validate_region_request(r));
}

TEST(RegionRequest, RejectsBadStrengthsAndSampling) {
  RegionRequest r = small_request();
  r.layers[0].prompt_strength = 1.5;
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "layers[0].prompt_strength"));
  r = small_request();
  r.layers[0].mask_blur_std = -1;
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "layers[0].mask_blur_std"));
  r = small_request();
  r.sampling.t_index_list = {0, 50};
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "sampling.t_index_list[1]"));
  r.sampling.t_index_list = {4, 0};
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "strictly increasing"));
  r = small_request();
  r.sampling.leak_sensitivity = 0;
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "sampling.leak_sensitivity"));
  r = small_request();
  r.sampling.bootstrap_steps = -1;
  EXPECT_TRUE(contains(error_of([&] { validate_region_request(r); }), "sampling.bootstrap_steps"));
}

TEST(RegionRender, RendersAndIsSeeded) {
  RegionRequest r = small_request();
  // The layer's mask as an RGBA image of another size (resized to the canvas): alpha 255 = painted.
  r.layers[0].mask = torch::Tensor();
  r.layers[0].mask_image = Image{8, 8, 4, std::vector<uint8_t>(256, 0)};
  for (int i = 3; i < 256; i += 8) r.layers[0].mask_image.pixels[size_t(i)] = 255;  // every other column
  const RegionResult a = render_regions(tiny_sd15(), r);
  EXPECT_EQ(a.image.width, 64);
  EXPECT_EQ(a.image.height, 64);
  EXPECT_EQ(a.seed, 3u);
  const RegionResult b = render_regions(tiny_sd15(), r);
  EXPECT_EQ(a.image.pixels, b.image.pixels);
}

// An SDXL model renders layouts with the authors' SDXL stepping and says so; the stream runs it in the
// regional-attention mode too (one Euler step per slot, its pooled embedding and time ids passed).
TEST(RegionRender, SdxlModelsRenderWithEulerAndStreamInTheRegionalMode) {
  const Model& sdxl = test::fixture_model("tiny-sdxl");
  const RegionResult a = render_regions(sdxl, small_request());
  EXPECT_EQ(a.sampler, Sampler::euler);
  EXPECT_EQ(a.image.width, 64);
  EXPECT_EQ(render_regions(tiny_sd15(), small_request()).sampler, Sampler::lcm);
  StreamSettings regional;
  regional.mode = StreamMode::RegionalAttention;
  regional.decoder = StreamDecoder::Vae;
  StreamEngine engine(sdxl, regional);
  StreamSnapshot snapshot;
  snapshot.version = 1;
  snapshot.width = snapshot.height = 64;
  snapshot.background.prompt = "a clear sky";
  engine.apply(snapshot);
  EXPECT_EQ(engine.step().image.width, 64);
}

}  // namespace
}  // namespace palette

namespace palette {
namespace {

// The white image's posterior is encoded once per model and size: the same tensors come back, equal to
// a fresh encode; another size is another entry; another model never gets the first one's.
TEST(RegionRender, WhitePosteriorIsCachedPerModelAndSize) {
  const ModelParts& parts = model_parts(tiny_sd15());
  const GaussianPosterior a = white_posterior(parts, 64, 96);
  const GaussianPosterior b = white_posterior(parts, 64, 96);
  EXPECT_TRUE(a.mean.is_same(b.mean));
  EXPECT_TRUE(a.logvar.is_same(b.logvar));
  AutoencoderKL vae = parts.vae;
  torch::NoGradGuard no_grad;
  const GaussianPosterior fresh = vae->encode(torch::ones({1, 3, 64, 96}));
  EXPECT_TRUE(torch::equal(a.mean, fresh.mean));
  const GaussianPosterior other_size = white_posterior(parts, 96, 64);
  EXPECT_EQ(other_size.mean.size(2), 12);
  EXPECT_FALSE(other_size.mean.is_same(a.mean));
  const Model other = Model::load(test::fixtures_dir() / "tiny-sd15");
  EXPECT_FALSE(white_posterior(model_parts(other), 64, 96).mean.is_same(a.mean));
}

}  // namespace
}  // namespace palette
