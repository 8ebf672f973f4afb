// `palette random-model` as a user runs it: the folder it writes is a model the CLI loads and renders with,
// its weights are Model::random's rounded to float16, and it never writes over a folder that holds something.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "models/model_parts.h"
#include "palette/image.h"
#include "palette/model.h"
#include "support/cli_runner.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

namespace fs = std::filesystem;
using test::contains;
using test::run_cli;
using test::shell_word;

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// The configs a written folder says it was built from, and its seed: what Model::random needs to build
// the same weights again.
RandomModelConfigs configs_of(const fs::path& dir, uint64_t seed) {
  RandomModelConfigs c;
  c.unet = read_json(dir / "unet" / "config.json");
  c.vae = read_json(dir / "vae" / "config.json");
  c.text_encoder = read_json(dir / "text_encoder" / "config.json");
  c.scheduler = read_json(dir / "scheduler" / "scheduler_config.json");
  c.taesd = fs::exists(dir / "taesd");
  c.seed = seed;
  return c;
}

double relative_error(const torch::Tensor& a, const torch::Tensor& reference) {
  return (a - reference).norm().item<double>() / reference.norm().item<double>();
}

TEST(RandomModelE2E, TinyFolderLoadsAndRenders) {
  test::TempDir dir;
  const fs::path model = dir / "m";
  fs::create_directory(model);  // an empty folder is taken as a new one
  const auto made = run_cli("random-model --shape tiny --seed 3 --out " + shell_word(model));
  ASSERT_EQ(made.status, 0) << made.output;
  for (const char* file : {"unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors",
                           "vae/diffusion_pytorch_model.safetensors", "taesd/diffusion_pytorch_model.safetensors",
                           "tokenizer/vocab.json", "scheduler/scheduler_config.json", "model_index.json", "in all"})
    EXPECT_TRUE(contains(made.output, file)) << file << " not listed in:\n" << made.output;
  EXPECT_TRUE(contains(made.output, "wrote " + model.string() + " in ")) << made.output;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename(), "m") << "left behind: " << entry.path();

  const auto info = run_cli("info " + shell_word(model));
  ASSERT_EQ(info.status, 0) << info.output;
  for (const char* needle : {"SD 1.x", "diffusers folder", "unet", "vae", "text_encoder", "taesd", "F16"})
    EXPECT_TRUE(contains(info.output, needle)) << needle << " missing in:\n" << info.output;

  const fs::path picture = dir / "noise.png";
  const auto render = run_cli("render --model " + shell_word(model) + " --device cpu -p 'a red barn' -W 64 -H 64 " +
                              "--steps 2 -s 1 -o " + shell_word(picture));
  ASSERT_EQ(render.status, 0) << render.output;
  const Image image = read_image(picture);
  EXPECT_EQ(image.width, 64);
  EXPECT_EQ(image.height, 64);
}

// Written in float16, every weight is Model::random's rounded to nearest: within half a float16 unit in the
// last place, 2^-11 ≈ 4.9e-4 of its size (2^-25 absolute below float16's normal range). Those errors are
// independent, so the UNet's output moves by about as much relative to its size (6.2e-4 measured); 1e-2
// leaves room for deeper shapes, while a model of another seed is off by ~1 (1.4 measured; checked too, so
// the comparison can tell models apart).
TEST(RandomModelE2E, FolderHoldsTheRandomModelsWeightsInFloat16) {
  test::TempDir dir;
  const fs::path folder = dir / "m";
  const auto made = run_cli("random-model --shape tiny --seed 11 --no-taesd --out " + shell_word(folder));
  ASSERT_EQ(made.status, 0) << made.output;
  ASSERT_FALSE(fs::exists(folder / "taesd"));

  const Model loaded = Model::load(folder);
  const Model same = Model::random(configs_of(folder, 11));
  const Model other = Model::random(configs_of(folder, 12));
  const auto& unet = *model_parts(loaded).unet;
  const auto& reference = *model_parts(same).unet;

  const auto expected = reference.named_parameters();
  double worst = 0;
  for (const auto& p : unet.named_parameters()) {
    const torch::Tensor want = expected[p.key()];
    const torch::Tensor bound = want.abs() * std::ldexp(1.0, -11) + std::ldexp(1.0, -25);
    worst = std::max(worst, ((p.value() - want).abs() / bound).max().item<double>());
  }
  std::printf("largest weight rounding: %.3f of half a float16 ulp\n", worst);
  EXPECT_LE(worst, 1.0);

  torch::NoGradGuard no_grad;
  torch::manual_seed(5);
  const int64_t width = unet.config().cross_attention_dim[0];
  const torch::Tensor sample = torch::randn({1, 4, 8, 8}), context = torch::randn({1, 77, width});
  const torch::Tensor t = torch::tensor(500);
  // Non-const handles on the shared modules, as the pipelines take them.
  UNet2DConditionModel run_same = model_parts(same).unet, run_loaded = model_parts(loaded).unet,
                       run_other = model_parts(other).unet;
  const torch::Tensor want = run_same->forward(sample, t, context);
  const double error = relative_error(run_loaded->forward(sample, t, context), want);
  const double apart = relative_error(run_other->forward(sample, t, context), want);
  std::printf("UNet output, loaded folder against Model::random: relative error %.2e (another seed: %.2f)\n",
              error, apart);
  EXPECT_LT(error, 1e-2);
  EXPECT_GT(error, 0.0) << "the weights were not rounded to float16";
  EXPECT_GT(apart, 0.5);
}

TEST(RandomModelE2E, RefusesAFolderThatHoldsSomethingAndAnUnknownShape) {
  test::TempDir dir;
  const fs::path full = dir / "full";
  fs::create_directory(full);
  test::write_raw(full / "keep.txt", "mine");
  const auto refused = run_cli("random-model --shape tiny --out " + shell_word(full));
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "palette: error: '" + full.string() +
                                           "' is not empty; give a new folder for the model"))
      << refused.output;
  EXPECT_EQ(test::read_raw(full / "keep.txt"), "mine");

  const auto unknown = run_cli("random-model --shape flux --out " + shell_word(dir / "x"));
  EXPECT_EQ(unknown.status, 1) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "palette: error: --shape: unknown shape 'flux' (sd15, sdxl, tiny)")) << unknown.output;
  EXPECT_FALSE(fs::exists(dir / "x"));
}

}  // namespace
}  // namespace palette
