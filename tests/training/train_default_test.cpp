// Training the default model on the CPU at a tiny size: the losses fall, the folder it writes loads
// with Model::load, a run resumes from those files alone, and the engine's LCM sampler runs on it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "models/model_parts.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/model.h"
#include "palette/regions.h"
#include "palette/render.h"
#include "palette/safetensors.h"
#include "palette/training.h"
#include "palette/world.h"
#include "sampling/scheduler.h"
#include "support/error_of.h"
#include "support/temp_dir.h"
#include "tiny_training.h"
#include "training/train_common.h"
#include "training/train_stages.h"

namespace palette {
namespace {

TrainOptions tiny(const std::filesystem::path& out, TrainStage stage, int64_t steps) {
  return test::tiny_training(out, stage, steps);
}

// Trains both stages of a tiny model into a fresh folder once for the tests below that only read it.
class TrainedTinyModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    autoencoder_ = train_default(tiny(folder(), TrainStage::Autoencoder, 20));
    TrainOptions unet = tiny(folder(), TrainStage::Unet, 20);
    unet.region_prompt_share = 0.3;  // region prompts must not keep the whole-caption loss from falling
    unet_ = train_default(unet);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::filesystem::path folder() { return dir_->path() / "model"; }
  static EvalOptions tiny_evaluation(int count, int size, int reference_samples) {
    EvalOptions o;
    o.model = folder();
    o.count = count;
    o.size = size;
    o.reference_samples = reference_samples;
    return o;
  }

  static test::TempDir* dir_;
  static TrainReport autoencoder_, unet_;
};
test::TempDir* TrainedTinyModel::dir_ = nullptr;
TrainReport TrainedTinyModel::autoencoder_, TrainedTinyModel::unet_;

TEST_F(TrainedTinyModel, LossesFallOverTwentySteps) {
  std::printf("autoencoder validation loss %.4f -> %.4f (%.1f ms per step), unet %.4f -> %.4f (%.1f ms per step)\n",
              autoencoder_.validation_start, autoencoder_.validation_end, autoencoder_.step_ms,
              unet_.validation_start, unet_.validation_end, unet_.step_ms);
  EXPECT_EQ(autoencoder_.end_step, 20);
  EXPECT_LT(autoencoder_.validation_end, 0.85 * autoencoder_.validation_start);
  EXPECT_EQ(unet_.end_step, 20);
  EXPECT_LT(unet_.validation_end, 0.8 * unet_.validation_start);
  EXPECT_GT(autoencoder_.scaling_factor, 0);
}

TEST_F(TrainedTinyModel, LoadsWithModelLoadAsFp16Files) {
  const Model model = Model::load(folder());
  EXPECT_EQ(model.info().family, "SD 1.x");
  for (const auto& c : model.info().components) EXPECT_EQ(c.stored_dtype, "F16") << c.name;
  EXPECT_EQ(model_parts(model).scheduler_config.at("prediction_type"), "v_prediction");
  EXPECT_NEAR(model_parts(model).vae->config().scaling_factor, autoencoder_.scaling_factor, 1e-4);
  EXPECT_EQ(SafetensorsFile::open(folder() / "unet" / "diffusion_pytorch_model.safetensors").metadata().at("palette_step"), "20");
}

TEST_F(TrainedTinyModel, ResumesFromTheSavedFilesAlone) {
  test::TempDir copy;
  std::filesystem::copy(folder(), copy / "model", std::filesystem::copy_options::recursive);
  const auto unet_file = copy / "model" / "unet" / "diffusion_pytorch_model.safetensors";
  const auto before = SafetensorsFile::open(unet_file).load_all();
  TrainOptions o = tiny(copy / "model", TrainStage::Unet, 1);
  o.resume = true;
  o.lr = 0;  // one step that changes nothing: the saved weights must be exactly the loaded ones
  const TrainReport r = train_default(o);
  EXPECT_EQ(r.start_step, 20);
  EXPECT_EQ(r.end_step, 21);
  const auto after = SafetensorsFile::open(unet_file).load_all();
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [name, t] : before) EXPECT_TRUE(torch::equal(t, after.at(name))) << name;
  // and a fresh start would not have matched: its weights are new random ones
  o.resume = false;
  train_default(o);
  const auto fresh = SafetensorsFile::open(unet_file).load_all();
  EXPECT_FALSE(torch::equal(before.at("conv_in.weight"), fresh.at("conv_in.weight")));
}

TEST_F(TrainedTinyModel, RefusesToResumeAnotherArchitecture) {
  test::TempDir copy;
  std::filesystem::copy(folder(), copy / "model", std::filesystem::copy_options::recursive);
  const auto config_file = copy / "model" / "unet" / "config.json";
  auto config = nlohmann::json::parse(test::read_raw(config_file));
  config["attention_head_dim"] = 7;
  test::write_raw(config_file, config.dump());
  TrainOptions o = tiny(copy / "model", TrainStage::Unet, 1);
  o.resume = true;
  try {
    train_default(o);
    ADD_FAILURE() << "resumed weights of another architecture";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("attention_head_dim is 7"), std::string::npos) << e.what();
  }
}

// The first shipped weights were trained with 32 groups in both networks; grouping shapes no weight, so
// they resume in their own grouping (the configs say so afterwards) rather than being refused or regrouped.
TEST_F(TrainedTinyModel, ResumesWeightsTrainedWithOtherNormGroups) {
  test::TempDir copy;
  std::filesystem::copy(folder(), copy / "model", std::filesystem::copy_options::recursive);
  const auto regroup = [&](const char* part, int groups) {
    const auto file = copy / "model" / part / "config.json";
    auto config = nlohmann::json::parse(test::read_raw(file));
    config["norm_num_groups"] = groups;
    test::write_raw(file, config.dump());
  };
  const auto groups_of = [&](const char* part) {
    return nlohmann::json::parse(test::read_raw(copy / "model" / part / "config.json")).at("norm_num_groups").get<int>();
  };
  regroup("vae", 2);
  regroup("unet", 4);
  TrainOptions o = tiny(copy / "model", TrainStage::Unet, 1);
  o.resume = true;
  EXPECT_EQ(train_default(o).start_step, 20);
  EXPECT_EQ(groups_of("vae"), 2);
  EXPECT_EQ(groups_of("unet"), 4);
  o.stage = TrainStage::Autoencoder;
  EXPECT_EQ(train_default(o).start_step, 20);
  EXPECT_EQ(groups_of("vae"), 2);
  EXPECT_EQ(groups_of("unet"), 4);
  // the UNet's own GroupNorms run with the grouping its config names
  const Model model = Model::load(copy / "model");
  EXPECT_EQ(model_parts(model).unet->conv_norm_out->options.num_groups(), 4);
  regroup("unet", 0);
  o.stage = TrainStage::Unet;
  EXPECT_NE(test::error_of([&] { train_default(o); }).find("norm_num_groups should be a positive whole number"), std::string::npos);
}

TEST_F(TrainedTinyModel, SamplesWithTheEnginesLcmSampler) {
  const Model model = Model::load(folder());
  const ModelParts& parts = model_parts(model);
  auto scheduler = make_scheduler(parts.scheduler_config, "lcm");
  scheduler->set_timesteps(4);
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  torch::Tensor x = torch::randn({1, 4, 8, 8});
  ClipTextModel text_encoder = parts.text_encoder;  // non-const handles on the shared modules
  UNet2DConditionModel unet = parts.unet;
  const torch::Tensor text = text_encoder->encode(parts.tokenizer->encode_batch({"sea"}));
  SeededNoise noise(4);
  for (int64_t i = 0; i < scheduler->num_steps(); ++i) {
    const torch::Tensor v = unet->forward(x, torch::tensor({scheduler->timestep(i)}), text);
    x = scheduler->step(v, i, x, noise).prev_sample;
  }
  EXPECT_TRUE(torch::isfinite(x).all().item<bool>());
  EXPECT_GT(x.std().item<double>(), 0.0);

  RenderOptions render_options;  // the whole text-to-image path, and the region path
  render_options.prompt = "grass";
  render_options.sampler = Sampler::lcm;
  render_options.steps = 4;
  render_options.guidance = 1;
  render_options.width = render_options.height = 64;
  render_options.seed = 1;
  EXPECT_EQ(render(model, render_options).image.width, 64);
  RegionRequest request;
  request.width = request.height = 64;
  request.seed = 1;
  request.background.prompt = "a clear sky above sand";
  RegionLayer sand;
  sand.prompt = "sand";
  sand.mask = torch::zeros({64, 64});
  sand.mask.slice(0, 32, 64).fill_(1);
  request.layers.push_back(sand);
  EXPECT_EQ(render_regions(model, request).image.height, 64);
}

// The decoder stage trains the decoder alone: the encoder's weights and the latent scaling stay exactly as
// they were (the UNet was trained on those latents), the step count continues, and its loss falls. A decoder
// trained for 20 steps has no margin that 20 more steps reliably show (the sampled latents of so young an
// encoder are mostly noise), so its output layer is spoiled first: the stage must learn it back.
TEST_F(TrainedTinyModel, VaeDecoderStageTrainsTheDecoderAloneAndKeepsTheLatents) {
  test::TempDir copy;
  std::filesystem::copy(folder(), copy / "model", std::filesystem::copy_options::recursive);
  const auto vae_file = copy / "model" / "vae" / "diffusion_pytorch_model.safetensors";
  const auto config_file = copy / "model" / "vae" / "config.json";
  {
    const SafetensorsFile file = SafetensorsFile::open(vae_file);
    NamedTensors spoiled;
    for (auto& [name, t] : file.load_all()) {
      if (name == "decoder.conv_out.weight") t = torch::zeros_like(t);
      if (name == "decoder.conv_out.bias") t = torch::full_like(t, 0.8);  // a flat pale grey picture
      spoiled.emplace_back(name, t);
    }
    save_safetensors(vae_file, spoiled, file.metadata());
  }
  const auto before = SafetensorsFile::open(vae_file).load_all();
  const std::string config_before = test::read_raw(config_file);
  TrainOptions o = tiny(copy / "model", TrainStage::VaeDecoder, 20);
  o.resume = true;
  const TrainReport r = train_default(o);
  std::printf("vae-decoder validation loss %.4f -> %.4f\n", r.validation_start, r.validation_end);
  EXPECT_EQ(r.start_step, 20);
  EXPECT_EQ(r.end_step, 40);
  EXPECT_LT(r.validation_end, 0.8 * r.validation_start);
  EXPECT_NEAR(r.scaling_factor, autoencoder_.scaling_factor, 1e-6);
  EXPECT_EQ(test::read_raw(config_file), config_before);
  const auto after = SafetensorsFile::open(vae_file).load_all();
  ASSERT_EQ(before.size(), after.size());
  int decoder_changed = 0;
  for (const auto& [name, t] : before) {
    const bool decoder = name.rfind("decoder.", 0) == 0 || name.rfind("post_quant_conv.", 0) == 0;
    if (decoder)
      decoder_changed += !torch::equal(t, after.at(name));
    else
      EXPECT_TRUE(torch::equal(t, after.at(name))) << name;
  }
  EXPECT_GT(decoder_changed, 0);
}

TEST_F(TrainedTinyModel, EvaluationJudgesEveryLayout) {
  const EvalReport r = eval_default(tiny_evaluation(2, 64, 24));
  std::printf("tiny model: %.0f%% of %zu regions, the world's own pictures %.0f%%\n", 100 * r.accuracy,
              r.regions.size(), 100 * r.reference_accuracy);
  EXPECT_GE(r.regions.size(), 4u);
  EXPECT_GE(r.reference_accuracy, 0.5);  // the judge recognises the world's own pictures of the layouts
  // Every region is judged through the autoencoder too, and the ceiling is the share of those answers.
  int autoencoded_right = 0;
  for (const auto& g : r.regions) {
    EXPECT_TRUE(world_class_from_name(g.autoencoded).has_value()) << g.autoencoded;
    autoencoded_right += g.autoencoded == g.painted;
  }
  EXPECT_DOUBLE_EQ(r.autoencoded_accuracy, double(autoencoded_right) / r.regions.size());
  EXPECT_DOUBLE_EQ(r.chance, 1.0 / kWorldClassCount);
  EXPECT_EQ(r.sheet.width, 3 * 64 + 8);
  EXPECT_EQ(r.sheet.height, 2 * 64 + 4);
}

// The evaluation's cover alpha reaches the one-shot render and the live picture: with covering off the
// background prompt keeps its weight under the layers, so the generated pictures (the sheet) change.
TEST_F(TrainedTinyModel, EvaluationCoverAlphaReachesBothRenders) {
  for (const bool live : {false, true}) {
    EvalOptions o = tiny_evaluation(1, 64, 16);
    o.live = live;
    const EvalReport covered = eval_default(o);
    o.cover_alpha = 0;
    const EvalReport uncovered = eval_default(o);
    ASSERT_EQ(covered.sheet.pixels.size(), uncovered.sheet.pixels.size());
    EXPECT_NE(covered.sheet.pixels, uncovered.sheet.pixels) << (live ? "live picture" : "one-shot render");
  }
}

// --live judges the picture the app shows while painting on the CPU: the stream's settled frame at a canvas
// halved to at most 256² (here 320² → 160²), upscaled. Same layouts and regions as the one-shot evaluation,
// another picture, and the report says which it judged.
TEST_F(TrainedTinyModel, LiveEvaluationJudgesTheLivePictureOfTheSameLayouts) {
  test::TempDir dir;
  EvalOptions o = tiny_evaluation(1, 320, 16);
  const EvalReport export_render = eval_default(o);
  o.live = true;
  o.out = dir.path() / "live";
  const EvalReport live = eval_default(o);
  ASSERT_EQ(live.regions.size(), export_render.regions.size());
  for (size_t i = 0; i < live.regions.size(); ++i) {
    EXPECT_EQ(live.regions[i].painted, export_render.regions[i].painted);
    EXPECT_EQ(live.regions[i].reference, export_render.regions[i].reference);
    // The features the answers came from: the world's are the layout's own, the generated ones the picture's.
    EXPECT_EQ(live.regions[i].world_features, export_render.regions[i].world_features);
    EXPECT_NE(live.regions[i].generated_features, export_render.regions[i].generated_features);
    for (int k = 0; k < 3; ++k) {
      EXPECT_GE(live.regions[i].generated_features[k], 0.0f);
      EXPECT_LE(live.regions[i].generated_features[k], 1.0f);
    }
  }
  ASSERT_EQ(live.sheet.width, export_render.sheet.width);
  ASSERT_EQ(live.sheet.height, export_render.sheet.height);
  EXPECT_NE(live.sheet.pixels, export_render.sheet.pixels);  // the generated column differs
  std::ifstream report(o.out / "eval.json");
  const nlohmann::json json = nlohmann::json::parse(report);
  EXPECT_EQ(json.at("live"), true);
  ASSERT_FALSE(json.at("regions").empty());
  EXPECT_EQ(json.at("regions")[0].at("generated_features").size(), 6u);
  EXPECT_NEAR(json.at("regions")[0].at("world_features")[1].get<double>(), live.regions[0].world_features[1], 1e-4);
  // The pictures say what they were sampled with: the examples' guidance for the export, none live on a CPU.
  EXPECT_EQ(export_render.guidance, kBuiltInModelGuidance);
  EXPECT_EQ(live.guidance, 1.0);
  EXPECT_EQ(json.at("guidance"), 1.0);
  // The layouts written beside the report render as they were judged.
  for (const auto& entry : std::filesystem::directory_iterator(o.out / "layouts")) {
    const DocumentContent& c = load_document(entry.path()).document.content();
    EXPECT_EQ(c.settings.guidance, o.guidance) << entry.path();
    EXPECT_EQ(c.settings.bootstrap_steps, o.bootstrap_steps) << entry.path();
  }
}

TEST(DefaultModelTraining, RefusesBadOptionsBeforeAnyWork) {
  test::TempDir dir;
  TrainOptions o = tiny(dir / "m", TrainStage::Unet, 1);
  EXPECT_THROW(train_default(o), Error);  // no autoencoder yet
  o.stage = TrainStage::Autoencoder;
  o.steps = 0;
  EXPECT_THROW(train_default(o), Error);  // no end
  o.steps = 1;
  o.resume = true;
  EXPECT_THROW(train_default(o), Error);  // nothing to resume
  o.resume = false;
  o.size = "huge";
  EXPECT_THROW(train_default(o), Error);
  o.size = "tiny";
  // Refused with a message naming the flag (test::error_of's "(no error)" names none).
  const auto names = [&](const std::string& flag) {
    return test::error_of([&] { train_default(o); }).find(flag) != std::string::npos;
  };
  o.region_prompt_share = 1.5;
  EXPECT_TRUE(names("--region-prompts")) << "a region prompt share of 1.5";
  o.region_prompt_share = 0;
  for (const double bias : {-0.5, 5.0, 1.0}) {  // out of range, and (1) without region prompts to bias
    o.region_small_bias = bias;
    EXPECT_TRUE(names("--region-small-bias")) << "a region small bias of " << bias << " without region prompts";
  }
  o.region_small_bias = 0;
  for (const double share : {-0.1, 1.5, 0.5}) {  // out of range, and (0.5) without region prompts
    o.region_context_share = share;
    EXPECT_TRUE(names("--region-context")) << "a region context share of " << share << " without region prompts";
  }
  o.region_context_share = 0;
  for (const double balance : {-0.5, 2.5}) {
    o.class_balance = balance;
    EXPECT_TRUE(names("--class-balance")) << "a class balance of " << balance;
  }
  o.class_balance = 0;
  o.stage = TrainStage::VaeDecoder;
  EXPECT_THROW(train_default(o), Error);  // no autoencoder to train the decoder of
  o.detail_weight = -1;
  EXPECT_TRUE(names("--detail-weight")) << "a negative detail weight";
  EXPECT_FALSE(std::filesystem::exists(dir / "m" / "vae" / "diffusion_pytorch_model.safetensors"));
}

// The multi-tensor AdamW does what LibTorch's AdamW after clip_grad_norm_ does, and follows its schedule.
TEST(DefaultModelTraining, OptimizerMatchesTorchAdamW) {
  torch::manual_seed(5);
  std::vector<torch::Tensor> ours, theirs, grads;
  for (const auto& shape : std::vector<std::vector<int64_t>>{{4, 3}, {7}, {2, 2, 3}}) {
    ours.push_back(torch::randn(shape).requires_grad_());
    theirs.push_back(ours.back().detach().clone().requires_grad_());
  }
  const torch::Tensor initial = ours[0].detach().clone();
  training::Optimizer optimizer(ours, 1e-2, 1e-2, 0, 0.01);
  torch::optim::AdamW reference(theirs, torch::optim::AdamWOptions(1e-2).weight_decay(0.01));
  for (int step = 0; step < 6; ++step) {
    const double scale = step % 2 == 0 ? 0.05 : 3.0;  // every other step is clipped
    for (size_t i = 0; i < ours.size(); ++i) {
      const torch::Tensor g = torch::randn(ours[i].sizes()) * scale;
      ours[i].mutable_grad() = g.clone();
      theirs[i].mutable_grad() = g.clone();
    }
    optimizer.step(step, 0.0);
    torch::nn::utils::clip_grad_norm_(theirs, 1.0);
    reference.step();
  }
  double worst = 0;
  for (size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, (ours[i] - theirs[i]).abs().max().item<double>());
  std::printf("largest difference to torch::optim::AdamW after 6 steps: %.3g\n", worst);
  EXPECT_LT(worst, 1e-6);
  EXPECT_GT((ours[0] - initial).abs().max().item<double>(), 1e-3);  // and they did move
  training::Optimizer scheduled(ours, 1e-2, 1e-3, 4, 0.0);
  for (auto& p : ours) p.mutable_grad() = torch::ones_like(p);
  EXPECT_DOUBLE_EQ(scheduled.step(0, 0.0), 1e-2 / 4);   // warming up
  EXPECT_DOUBLE_EQ(scheduled.step(10, 0.5), 5.5e-3);    // half way down to lr_end
  EXPECT_DOUBLE_EQ(scheduled.step(11, 1.0), 1e-3);
  // A warm-up that spends a fifth of the budget: the peak is reached in full, and the decay spans the rest.
  training::Optimizer late(ours, 1e-2, 1e-3, 2, 0.0);
  EXPECT_DOUBLE_EQ(late.step(0, 0.1), 1e-2 / 2);
  EXPECT_DOUBLE_EQ(late.step(1, 0.2), 1e-2);
  EXPECT_DOUBLE_EQ(late.step(2, 0.2), 1e-2);
  EXPECT_NEAR(late.step(3, 0.6), 5.5e-3, 1e-15);  // half way through the budget after the warm-up
  EXPECT_DOUBLE_EQ(late.step(4, 1.0), 1e-3);
}

TEST(DefaultModelTraining, StandardSizesFitTheBudget) {
  int64_t total = 0;
  for (const auto& c : default_model_sizes("standard")) {
    std::printf("%s: %lld parameters, %.2f MB fp16\n", c.name.c_str(), static_cast<long long>(c.parameters),
                c.fp16_bytes / 1e6);
    EXPECT_LE(c.fp16_bytes, 15ll * 1024 * 1024) << c.name << " must come back from the GPU machine in one file";
    total += c.fp16_bytes;
  }
  EXPECT_LT(total, 40'000'000);
}

// A swapped row keeps its own latent where its class is and shows the next row's elsewhere; other rows are
// untouched.
TEST(TrainUnet, ForeignSurroundingsKeepTheClassCellsAndTakeTheRestFromTheNextPicture) {
  const auto x0 = torch::arange(3 * 2 * 2 * 2, torch::kFloat32).view({3, 2, 2, 2});
  auto keep = torch::zeros({3, 1, 2, 2}, torch::kBool);
  keep[0][0][0][1] = true;
  keep[2][0][1][0] = true;
  const auto swap = torch::tensor({true, false, true});
  const auto out = training::with_foreign_surroundings(x0, keep, swap);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t y = 0; y < 2; ++y)
        for (int64_t x = 0; x < 2; ++x) {
          const bool own = !swap[i].item<bool>() || keep[i][0][y][x].item<bool>();
          const int64_t from = own ? i : (i + 1) % 3;
          EXPECT_EQ(out[i][c][y][x].item<float>(), x0[from][c][y][x].item<float>()) << i << c << y << x;
        }
}

}  // namespace
}  // namespace palette
