// The reference scheduler cases (fixtures scheduler_*): diffusers' schedulers stepped on recorded
// inputs, read by the parity tests, their CUDA run and the per-item unit tests.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "palette/safetensors.h"
#include "sampling/scheduler.h"

namespace palette::test {

struct SchedulerCase {
  SafetensorsFile file;
  std::unique_ptr<Scheduler> scheduler;
  int64_t steps = 0;
};

// The case's scheduler, built from its recorded config and class, with its timesteps set.
SchedulerCase open_scheduler_case(const std::string& name);

// Steps the case's scheduler on `device` from the initial sample, our own chain (so errors accumulate as
// in a pipeline), and holds every step's output to the reference's within 1e-5.
void expect_scheduler_parity(const std::string& name, torch::Device device = torch::kCPU);

}  // namespace palette::test
