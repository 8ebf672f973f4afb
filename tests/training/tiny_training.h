// Options for training the tiny architecture in tests: a few steps on 64² pictures, one data thread, no
// warm-up, no weight averaging, no periodic checkpoints.
#pragma once

#include <cstdint>
#include <filesystem>

#include "palette/training.h"

namespace palette::test {

inline TrainOptions tiny_training(const std::filesystem::path& out, TrainStage stage, int64_t steps) {
  TrainOptions o;
  o.out = out;
  o.stage = stage;
  o.size = "tiny";
  o.steps = steps;
  o.batch = 4;
  o.image_size = 64;
  o.crop = 32;
  o.lr = 2e-3;
  o.warmup = 0;
  o.ema = 0;
  o.pool = 16;
  o.log_every = 5;
  o.save_minutes = 0;
  o.data_threads = 1;
  return o;
}

}  // namespace palette::test
