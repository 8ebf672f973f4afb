// Panoramas against their references: the view grids and weights (the StreamMultiDiffusion authors'
// util.py, fixtures smd_panorama_views_*), MultiDiffusion against diffusers'
// StableDiffusionPanoramaPipeline (sd15_panorama_*), and the authors' tiled panorama with its recorded
// noise (smd_panorama_128x384).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/panorama.h"
#include "pipelines/panorama_sampling.h"
#include "pipelines/panorama_views.h"
#include "sampling/noise_source.h"
#include "sampling/scheduler.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

constexpr double kPipelineTolerance = 1e-3;  // fixtures README: whole pipelines

const Model& tiny_sd15() { return test::fixture_model("tiny-sd15"); }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A metadata value of a fixture case (stored as JSON text).
nlohmann::json meta(const SafetensorsFile& file, const std::string& key) {
  return nlohmann::json::parse(file.metadata().at(key));
}

// ---- view grids ----

torch::Tensor views_tensor(const panorama::ViewGrid& grid) {
  std::vector<int64_t> flat;
  for (const auto& v : grid.views) flat.insert(flat.end(), {v.h0, v.h1, v.w0, v.w1});
  return torch::tensor(flat, torch::kInt64).view({-1, 4});
}

void expect_tiled_views(const std::string& name, int64_t height, int64_t width, int64_t window) {
  const auto file = test::open_case(name);
  const auto grid = panorama::tiled_grid(height, width, window, /*circular=*/false);
  const auto views = views_tensor(grid);
  EXPECT_TRUE(views.sizes() == file.load("views").sizes() && torch::equal(views, file.load("views")))
      << "views\n"
      << views << "\nreference\n"
      << file.load("views");
  const auto weights = panorama::canvas_weights(grid).unsqueeze(0);
  EXPECT_TRUE(test::check_parity(name + " weights", weights, file.load("weights"), 1e-6));
  EXPECT_LT((grid.total - 1).abs().max().item<float>(), 1e-6);
}

TEST(Parity, smd_panorama_views_64x160_w64) {
  expect_tiled_views("smd_panorama_views_64x160_w64", 64, 160, 64);
}

TEST(Parity, smd_panorama_views_96x96_w48) {
  expect_tiled_views("smd_panorama_views_96x96_w48", 96, 96, 48);
}

// ---- MultiDiffusion against diffusers ----

PanoramaOptions options_from_case(const SafetensorsFile& file) {
  PanoramaOptions options;
  options.prompt = meta(file, "prompt").get<std::string>();
  options.height = meta(file, "height").get<int>();
  options.width = meta(file, "width").get<int>();
  options.steps = meta(file, "steps").get<int>();
  options.guidance = meta(file, "guidance").get<double>();
  options.window = meta(file, "window").get<int>();
  options.stride = meta(file, "stride").get<int>();
  options.sampler =
      make_scheduler(nlohmann::json::object(), meta(file, "scheduler").get<std::string>())->sampler();
  options.circular =
      file.metadata().count("circular_padding") > 0 && meta(file, "circular_padding").get<bool>();
  return options;
}

void expect_multidiffusion_parity(const std::string& name) {
  const auto file = test::open_case(name);
  const auto options = options_from_case(file);
  ReplayNoise no_draws({});  // DDIM draws nothing; any draw would fail loudly
  const auto run = panorama_latents(model_parts(tiny_sd15()), options, no_draws, file.load("latents_in"));
  std::cout << "  " << run.views << " views, sampler " << sampler_name(run.sampler) << "\n";
  EXPECT_TRUE(
      test::check_parity(name + " latents", run.latents, file.load("latents_out"), kPipelineTolerance));
}

TEST(Parity, sd15_panorama_ddim6) {
  expect_multidiffusion_parity("sd15_panorama_ddim6");
}

TEST(Parity, sd15_panorama_circular_ddim4) {
  expect_multidiffusion_parity("sd15_panorama_circular_ddim4");
}

// ---- the authors' tiled panorama ----

TEST(Parity, smd_panorama_128x384) {
  const auto file = test::open_case("smd_panorama_128x384");
  PanoramaOptions options;
  options.method = PanoramaMethod::tiled;
  options.prompt = meta(file, "prompt").get<std::string>();
  options.negative_prompt = meta(file, "negative_prompt").get<std::string>();
  options.height = meta(file, "height").get<int>();
  options.width = meta(file, "width").get<int>();
  options.window = meta(file, "tile_size").get<int>() / 8;
  std::vector<torch::Tensor> draws;
  for (int i = 0;; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "noise_%03d", i);
    if (!file.contains(key)) break;
    draws.push_back(file.load(key));
  }
  ReplayNoise noise(draws);
  const auto run = panorama_latents(model_parts(tiny_sd15()), options, noise);
  EXPECT_EQ(noise.remaining(), 0u) << "every recorded draw is used";
  EXPECT_EQ(run.sampler, Sampler::lcm);
  std::cout << "  " << run.views << " views, " << draws.size() << " draws\n";
  EXPECT_TRUE(test::check_parity("smd_panorama_128x384 latents", run.latents, file.load("latents_out"),
                                 kPipelineTolerance));
}

// SDXL: a panorama of one view is text to image, so diffusers' StableDiffusionXLPipeline (CFG 5, a negative
// prompt, the model's Euler) is its reference: the pooled embeddings and the view's time ids reach the UNet.
TEST(Parity, sdxl_panorama_one_view_is_text_to_image) {
  const auto file = test::open_case("sdxl_txt2img_euler8_cfg");
  PanoramaOptions options;
  options.prompt = meta(file, "prompt").get<std::string>();
  options.negative_prompt = meta(file, "negative_prompt").get<std::string>();
  options.height = options.width = 128;
  options.steps = std::stoi(file.metadata().at("steps"));
  options.guidance = std::stod(file.metadata().at("guidance"));
  options.window = 16;
  ReplayNoise no_draws({});
  const auto run = panorama_latents(model_parts(test::fixture_model("tiny-sdxl")), options, no_draws, file.load("latents_in"));
  EXPECT_EQ(run.views, 1);
  EXPECT_EQ(run.sampler, Sampler::euler);
  EXPECT_TRUE(test::check_parity("one-view SDXL panorama vs sdxl_txt2img_euler8_cfg", run.latents,
                                 file.load("latents_out"), kPipelineTolerance));
}

}  // namespace
}  // namespace palette
