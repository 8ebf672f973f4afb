// The samplers' per-item forms the stream engine uses (against the steps of the reference cases), and
// the config / request checks that must fail with a message naming the key. Step by step against
// diffusers' schedulers: scheduler_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <functional>
#include <iostream>

#include "io/json_config.h"
#include "palette/error.h"
#include "palette/safetensors.h"
#include "sampling/euler_scheduler.h"
#include "sampling/lcm_scheduler.h"
#include "sampling/noise_source.h"
#include "sampling/scheduler.h"
#include "sampling/scheduler_cases.h"
#include "support/fixtures.h"
#include "support/error_of.h"
#include "support/parity.h"

namespace palette {
namespace {

constexpr double kTolerance = 1e-5;

using test::open_scheduler_case;

// The per-item forms on one batch holding every step of a case (each item at its own timestep) must
// give what the steps gave: denoise → denoised_i, and for LCM add_noise(denoised_i, noise_i, t_{i+1})
// → prev_sample_i.
void expect_per_item(const std::string& name) {
  auto c = open_scheduler_case(name);
  const auto& f = c.file;
  std::vector<torch::Tensor> outputs, samples, denoised, noises, prevs;
  for (int64_t i = 0; i < c.steps; ++i) {
    const auto n = std::to_string(i);
    outputs.push_back(f.load("model_output_" + n));
    samples.push_back(i == 0 ? f.load("x0") : f.load("prev_sample_" + std::to_string(i - 1)));
    denoised.push_back(f.load("denoised_" + n));
    if (f.contains("noise_" + n)) noises.push_back(f.load("noise_" + n));
    prevs.push_back(f.load("prev_sample_" + n));
  }
  const auto timesteps = c.scheduler->timesteps();
  const auto batch_denoised = c.scheduler->denoise(torch::cat(outputs), torch::cat(samples), timesteps);
  EXPECT_TRUE(
      test::check_parity(name + " per-item denoise", batch_denoised, torch::cat(denoised), kTolerance));
  if (c.scheduler->name() == "lcm" && c.steps > 1) {
    const int64_t k = c.steps - 1;
    const auto renoised = c.scheduler->add_noise(torch::cat(denoised).slice(0, 0, k),
                                                 torch::cat(noises).slice(0, 0, k), timesteps.slice(0, 1));
    EXPECT_TRUE(test::check_parity(name + " per-item add_noise", renoised, torch::cat(prevs).slice(0, 0, k),
                                   kTolerance));
  }
}

TEST(SchedulerPerItem, LcmMatchesSteps) {
  expect_per_item("scheduler_lcm4");
}

TEST(SchedulerPerItem, LcmTrailingMatchesSteps) {
  expect_per_item("scheduler_lcm8_trailing");
}

TEST(SchedulerPerItem, DdimMatchesSteps) {
  expect_per_item("scheduler_ddim20");
}

TEST(SchedulerPerItem, DdimVMatchesSteps) {
  expect_per_item("scheduler_ddim50_v");
}

TEST(SchedulerPerItem, EulerMatchesSteps) {
  expect_per_item("scheduler_euler4_trailing");
}

TEST(SchedulerPerItem, OneTimestepForAllAndCountMismatch) {
  auto s = make_scheduler(nlohmann::json::object(), "lcm");
  const auto x = torch::randn({3, 4, 2, 2});
  const auto one = s->denoise(x, x, torch::tensor({499}));
  const auto each = s->denoise(x, x, torch::tensor({499, 499, 499}));
  EXPECT_TRUE(torch::equal(one, each));
  EXPECT_THROW(s->denoise(x, x, torch::tensor({999, 499})), Error);
  EXPECT_THROW(s->denoise(x, x, torch::tensor({1000})), Error);
  EXPECT_THROW(s->denoise(x, x, torch::tensor({10.5})), Error);
}

// --- configs and requests that must fail, with a message that names what is wrong ---

using test::error_of;

nlohmann::json model_config(const std::string& model) {
  std::ifstream in(test::fixtures_dir() / model / "scheduler" / "scheduler_config.json");
  return nlohmann::json::parse(in);
}

TEST(SchedulerConfig, UnknownSampler) {
  EXPECT_EQ(error_of([] { make_scheduler(model_config("tiny-sd15"), "dpm"); }),
            "unknown sampler 'dpm' (known: lcm, ddim, euler, euler_a)");
  auto config = model_config("tiny-sd15");
  config["_class_name"] = "PNDMScheduler";
  EXPECT_NE(error_of([&] {
              make_scheduler(config, "");
            }).find("unknown sampler 'PNDMScheduler' (known: lcm, ddim, euler, euler_a)"),
            std::string::npos);
  config.erase("_class_name");
  EXPECT_NE(error_of([&] { make_scheduler(config, ""); }).find("\"_class_name\""), std::string::npos);
  EXPECT_NE(error_of([] { make_scheduler(nlohmann::json::array(), "lcm"); }).find("JSON object"),
            std::string::npos);
}

TEST(SchedulerConfig, PicksTheConfigsClassOrTheUsersChoice) {
  EXPECT_EQ(make_scheduler(model_config("tiny-sd15"), "")->name(), "ddim");
  EXPECT_EQ(make_scheduler(model_config("tiny-sd21"), "")->name(), "euler");
  EXPECT_EQ(make_scheduler(model_config("tiny-sd21"), "EulerAncestralDiscreteScheduler")->name(), "euler_a");
  EXPECT_EQ(make_scheduler(model_config("tiny-sd21"), "LCM")->name(), "lcm");
}

TEST(SchedulerConfig, OtherSamplerTakesTheModelsValues) {
  // From the DDIM config (leading, steps_offset 1, scaled_linear): Euler keeps the betas and spacing.
  const auto ddim = make_scheduler(model_config("tiny-sd15"), "");
  auto euler = make_scheduler(model_config("tiny-sd15"), "euler");
  EXPECT_TRUE(torch::equal(ddim->alphas_cumprod(), euler->alphas_cumprod()));
  euler->set_timesteps(4);
  EXPECT_TRUE(torch::equal(euler->timesteps(), torch::tensor({751.f, 501.f, 251.f, 1.f})))
      << euler->timesteps();
  // "leading" spacing: the initial noise is scaled by √(σ_max² + 1).
  const double sigma_max = std::sqrt((1 - ddim->alphas_cumprod()[751].item<double>()) /
                                     ddim->alphas_cumprod()[751].item<double>());
  EXPECT_NEAR(euler->init_noise_sigma(), std::sqrt(sigma_max * sigma_max + 1), 1e-4);
  // Values the config took by default do not carry over: Euler's own default spacing applies.
  auto config = model_config("tiny-sd15");
  config["_use_default_values"] = {"timestep_spacing"};
  auto euler2 = make_scheduler(config, "euler");
  euler2->set_timesteps(4);
  EXPECT_TRUE(torch::equal(euler2->timesteps(), torch::tensor({999.f, 666.f, 333.f, 0.f})))
      << euler2->timesteps();
  // An LCM built from the SD-Turbo (Euler) config keeps its own grid.
  auto lcm = make_scheduler(model_config("tiny-sd21"), "lcm");
  lcm->set_timesteps(4);
  EXPECT_TRUE(torch::equal(lcm->timesteps(), torch::tensor({999, 759, 499, 259}, torch::kInt64)));
}

TEST(SchedulerConfig, BadValuesNameTheKey) {
  const auto base = model_config("tiny-sd15");
  const auto with = [&](const std::string& key, const nlohmann::json& value) {
    auto c = base;
    c[key] = value;
    return c;
  };
  const auto expect_key = [&](const nlohmann::json& config, const std::string& sampler,
                              const std::string& key) {
    const auto message =
        error_of([&] { make_scheduler(config, sampler, "scheduler/scheduler_config.json"); });
    EXPECT_NE(message.find("\"" + key + "\""), std::string::npos) << message;
    EXPECT_NE(message.find("scheduler/scheduler_config.json"), std::string::npos) << message;
  };
  for (const char* sampler : {"lcm", "ddim", "euler", "euler_a"}) {
    expect_key(with("prediction_type", "flow"), sampler, "prediction_type");
    expect_key(with("beta_schedule", "cosine"), sampler, "beta_schedule");
    expect_key(with("num_train_timesteps", "1000"), sampler, "num_train_timesteps");
    expect_key(with("num_train_timesteps", 0), sampler, "num_train_timesteps");
    expect_key(with("num_train_timesteps", 2000000000), sampler, "num_train_timesteps");  // 16 GB of betas
    expect_key(with("beta_start", "small"), sampler, "beta_start");
    expect_key(with("trained_betas", nlohmann::json::array({0.1, 0.2})), sampler, "trained_betas");
  }
  for (const char* sampler : {"ddim", "euler", "euler_a"}) {
    expect_key(with("timestep_spacing", "uniform"), sampler, "timestep_spacing");
  }
  expect_key(with("thresholding", true), "ddim", "thresholding");
  expect_key(with("thresholding", true), "lcm", "thresholding");
  expect_key(with("original_inference_steps", 0), "lcm", "original_inference_steps");
  expect_key(with("use_karras_sigmas", true), "euler", "use_karras_sigmas");
  expect_key(with("interpolation_type", "log_linear"), "euler", "interpolation_type");
  expect_key(with("final_sigmas_type", "one"), "euler", "final_sigmas_type");
  expect_key(with("clip_sample", "no"), "ddim", "clip_sample");
}

TEST(SchedulerConfig, StepCountLimits) {
  for (const char* sampler : {"lcm", "ddim", "euler", "euler_a"}) {
    auto s = make_scheduler(model_config("tiny-sd15"), sampler);
    EXPECT_EQ(s->num_steps(), 0);
    EXPECT_NE(error_of([&] { s->set_timesteps(0); }).find("at least 1"), std::string::npos);
    EXPECT_NE(error_of([&] { s->set_timesteps(1001); }).find("\"num_train_timesteps\" is 1000"),
              std::string::npos);
  }
  auto lcm = make_scheduler(model_config("tiny-sd15"), "lcm");
  EXPECT_NE(error_of([&] { lcm->set_timesteps(51); }).find("\"original_inference_steps\" = 50"),
            std::string::npos);
  lcm->set_timesteps(50);
  // DDIM with leading spacing and steps_offset 1 would step from timestep 1000 with 1000 steps.
  auto ddim = make_scheduler(model_config("tiny-sd15"), "ddim");
  EXPECT_NE(error_of([&] { ddim->set_timesteps(1000); }).find("timestep 1000"), std::string::npos);
  ddim->set_timesteps(999);
}

TEST(SchedulerConfig, StepIndexAndShapesAreChecked) {
  auto s = make_scheduler(model_config("tiny-sd15"), "ddim");
  s->set_timesteps(4);
  const auto x = torch::zeros({1, 4, 8, 8});
  ReplayNoise none({});
  EXPECT_NE(error_of([&] { s->step(x, 4, x, none); }).find("step index 4"), std::string::npos);
  EXPECT_NE(error_of([&] { s->step(x, -1, x, none); }).find("step index -1"), std::string::npos);
  EXPECT_NE(error_of([&] {
              s->step(torch::zeros({1, 4, 8, 9}), 0, x, none);
            }).find("shape"),
            std::string::npos);
  EXPECT_THROW(s->scale_model_input(x, 7), Error);
}

TEST(SchedulerTimesteps, LcmGridAndCustomList) {
  auto lcm = make_scheduler(nlohmann::json::object(), "lcm");
  lcm->set_timesteps(50);
  // StreamDiffusion's t_index_list [0, 4, 12, 25, 37] of 50 is [999, 919, 759, 499, 259].
  const auto all = lcm->timesteps();
  EXPECT_EQ(all[0].item<int64_t>(), 999);
  EXPECT_EQ(all[4].item<int64_t>(), 919);
  EXPECT_EQ(all[12].item<int64_t>(), 759);
  EXPECT_EQ(all[25].item<int64_t>(), 499);
  EXPECT_EQ(all[37].item<int64_t>(), 259);
  lcm->set_custom_timesteps({999, 919, 759, 499, 259});
  EXPECT_EQ(lcm->num_steps(), 5);
  EXPECT_EQ(lcm->timestep(2), 759);
  EXPECT_NE(error_of([&] { lcm->set_custom_timesteps({999, 999}); }).find("descending"), std::string::npos);
  EXPECT_NE(error_of([&] { lcm->set_custom_timesteps({1000}); }).find("outside"), std::string::npos);
  EXPECT_THROW(lcm->set_custom_timesteps({}), Error);
  auto ddim = make_scheduler(nlohmann::json::object(), "ddim");
  EXPECT_NE(error_of([&] { ddim->set_custom_timesteps({999, 499}); }).find("'ddim'"), std::string::npos);
  auto euler = make_scheduler(model_config("tiny-sd21"), "");
  euler->set_custom_timesteps({999, 499});
  EXPECT_EQ(euler->timestep(1), 499);
}

TEST(SchedulerTimesteps, SpacingRules) {
  // diffusers' values (numpy rounding halves to even: 1000 − 62.5·k).
  EXPECT_EQ(spaced_timesteps(TimestepSpacing::trailing, 1000, 4, 0),
            (std::vector<double>{999, 749, 499, 249}));
  EXPECT_EQ(spaced_timesteps(TimestepSpacing::trailing, 1000, 16, 0)[1], 937);  // round(937.5) = 938 − 1
  EXPECT_EQ(spaced_timesteps(TimestepSpacing::trailing, 1000, 61, 0).size(), 61u);
  EXPECT_EQ(spaced_timesteps(TimestepSpacing::leading, 1000, 20, 1).front(), 951);
  EXPECT_EQ(spaced_timesteps(TimestepSpacing::linspace, 1000, 1, 0), (std::vector<double>{0}));
  const auto lin = spaced_timesteps(TimestepSpacing::linspace, 1000, 7, 0);
  EXPECT_EQ(lin.front(), 999);
  EXPECT_EQ(lin[5], 166.5);
}

TEST(SchedulerNoise, EulerAncestralAndLcmDrawOnlyWhereTheyShould) {
  const auto x = torch::randn({1, 4, 8, 8});
  for (const char* sampler : {"lcm", "euler_a", "ddim", "euler"}) {
    auto s = make_scheduler(model_config("tiny-sd21"), sampler);
    s->set_timesteps(3);
    SeededNoise seeded(0);
    RecordingNoise recorder(seeded);
    auto sample = x * s->init_noise_sigma();
    for (int64_t i = 0; i < s->num_steps(); ++i) sample = s->step(x, i, sample, recorder).prev_sample;
    const size_t expected = std::string(sampler) == "lcm" ? 2 : std::string(sampler) == "euler_a" ? 3 : 0;
    EXPECT_EQ(recorder.draws().size(), expected) << sampler;
    EXPECT_TRUE(torch::isfinite(sample).all().item<bool>()) << sampler;
  }
}

}  // namespace
}  // namespace palette
