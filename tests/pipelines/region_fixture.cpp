#include "pipelines/region_fixture.h"

#include "support/parity.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace palette::test {

RegionRequest region_fixture_request(const SafetensorsFile& file) {
  RegionRequest r;
  r.height = case_meta(file, "height").get<int>();
  r.width = case_meta(file, "width").get<int>();
  const auto prompts = case_meta(file, "prompts").get<std::vector<std::string>>();
  const auto negatives = case_meta(file, "negative_prompts").get<std::vector<std::string>>();
  const auto stds = case_meta(file, "mask_stds").get<std::vector<double>>();
  const torch::Tensor masks = file.load("masks", torch::kFloat32);
  EXPECT_TRUE(torch::all(masks[0] == 1).item<bool>()) << "layer 0 is expected to be the background";
  r.background.prompt = prompts[0];
  r.background.negative_prompt = negatives[0];
  for (size_t i = 1; i < prompts.size(); ++i) {
    RegionLayer layer;
    layer.prompt = prompts[i];
    layer.negative_prompt = negatives[i];
    layer.mask = masks[int64_t(i)][0];
    layer.mask_blur_std = stds[i];
    layer.mask_strength = case_meta(file, "mask_strengths").get<double>();
    r.layers.push_back(layer);
  }
  r.sampling.t_index_list = case_meta(file, "t_index_list").get<std::vector<int>>();
  r.sampling.bootstrap_steps = case_meta(file, "bootstrap_steps").get<int>();
  EXPECT_EQ(case_meta(file, "mask_type").get<std::string>(), "discrete");
  if (file.metadata().count("tile_size")) r.sampling.tile_size = case_meta(file, "tile_size").get<int>();
  r.sampling.reference_wrapping_shift = true;  // the reference's torch.roll, which the fixtures record
  r.sampling.reference_corner_cells = true;     // the reference's nearest resize to latent size
  return r;
}

std::vector<torch::Tensor> region_fixture_draws(const SafetensorsFile& file) {
  std::vector<torch::Tensor> draws;
  for (int i = 0; i < 1000; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "noise_%03d", i);
    if (!file.contains(key)) break;
    draws.push_back(file.load(key, torch::kFloat32));
  }
  return draws;
}

}  // namespace palette::test
