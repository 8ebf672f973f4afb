#include "sampling/scheduler_cases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "sampling/euler_scheduler.h"
#include "sampling/noise_source.h"
#include "support/parity.h"

namespace palette::test {
namespace {

constexpr double kTolerance = 1e-5;

// How many noise draws the reference's step i makes.
int64_t expected_draws(const Scheduler& scheduler, int64_t step) {
  if (scheduler.name() == "euler_a") return 1;
  if (scheduler.name() == "lcm") return step + 1 < scheduler.num_steps() ? 1 : 0;
  return 0;
}

}  // namespace

SchedulerCase open_scheduler_case(const std::string& name) {
  auto file = open_case(name);
  const auto& meta = file.metadata();
  const auto config = nlohmann::json::parse(meta.at("config"));
  const auto class_name = nlohmann::json::parse(meta.at("class")).get<std::string>();
  const auto steps = std::stoll(meta.at("steps"));
  auto scheduler = make_scheduler(config, class_name, name);
  scheduler->set_timesteps(steps);
  return {std::move(file), std::move(scheduler), steps};
}

void expect_scheduler_parity(const std::string& name, torch::Device device) {
  auto c = open_scheduler_case(name);
  const auto& s = *c.scheduler;
  const auto& f = c.file;
  const auto ref_timesteps = f.load("timesteps");
  const auto timesteps = s.timesteps().to(torch::kFloat32);
  std::cout << "  " << name << " timesteps [";
  for (int64_t i = 0; i < timesteps.numel(); ++i) std::cout << (i ? ", " : "") << timesteps[i].item<float>();
  std::cout << "]\n";
  EXPECT_TRUE(timesteps.sizes() == ref_timesteps.sizes() && torch::equal(timesteps, ref_timesteps))
      << "reference timesteps " << ref_timesteps;
  if (f.contains("sigmas")) {
    const auto* euler = dynamic_cast<const EulerScheduler*>(&s);
    ASSERT_NE(euler, nullptr);
    EXPECT_TRUE(check_parity(name + " sigmas", euler->sigmas(), f.load("sigmas"), 1e-7));
  }
  // Our own chain from the initial sample, so errors would accumulate as they do in a pipeline.
  torch::Tensor sample = f.load("x0", torch::device(device));
  double worst = 0;
  for (int64_t i = 0; i < c.steps; ++i) {
    const auto at = [&](const char* field) {
      return f.load(std::string(field) + "_" + std::to_string(i), torch::device(device));
    };
    const auto label = name + (device.is_cuda() ? " (cuda)" : "") + " step " + std::to_string(i);
    EXPECT_TRUE(check_parity(label + " scaled_input", s.scale_model_input(sample, i),
                                   at("scaled_input"), kTolerance));
    std::vector<torch::Tensor> draws;
    if (f.contains("noise_" + std::to_string(i))) draws.push_back(at("noise"));
    ReplayNoise noise(draws);
    const auto result = s.step(at("model_output"), i, sample, noise);
    EXPECT_EQ(result.prev_sample.device().type(), device.type());
    EXPECT_EQ(int64_t(noise.used()), expected_draws(s, i)) << label;
    EXPECT_TRUE(check_parity(label + " denoised", result.denoised, at("denoised"), kTolerance));
    EXPECT_TRUE(
        check_parity(label + " prev_sample", result.prev_sample, at("prev_sample"), kTolerance));
    worst = std::max({worst, relative_error(result.denoised, at("denoised")),
                      relative_error(result.prev_sample, at("prev_sample"))});
    sample = result.prev_sample;
  }
  std::cout << "  " << name << ": worst relative error over " << c.steps << " steps " << worst << "\n";
}

}  // namespace palette::test
