// Small checks and measurements every pipeline shares.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <string>

#include "palette/document_data.h"
#include "palette/error.h"
#include "palette/image.h"

namespace palette::pipeline {

using Clock = std::chrono::steady_clock;

// Milliseconds since `start`, after the device has finished the work queued so far (CUDA runs
// asynchronously; without the wait a phase would only time its kernel launches).
inline double elapsed_ms(Clock::time_point start, const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Throws palette::Error naming `name` unless `pixels` is a multiple of 8 within [64, kMaxImageSide].
inline void check_canvas_side(const char* name, int pixels) {
  const std::string value = std::string(name) + " " + std::to_string(pixels);
  if (pixels % 8 != 0) throw Error(value + " is not a multiple of 8 (the VAE works on 8×8 pixel blocks)");
  if (pixels < 64) throw Error(value + " is below the minimum of 64 pixels");
  if (pixels > kMaxImageSide) throw Error(value + " is above the maximum of " + std::to_string(kMaxImageSide));
}

// Throws palette::Error naming `field` unless `guidance` is a finite number in [0, kMaxGuidance] (the
// bound saved layouts have too): far beyond it, classifier-free guidance overflows into a black picture.
inline void check_guidance(const std::string& field, double guidance) {
  if (std::isfinite(guidance) && guidance >= 0 && guidance <= kMaxGuidance) return;
  std::ostringstream text;
  text << field << " " << guidance << " must be a finite number in [0, " << kMaxGuidance << "]";
  throw Error(text.str());
}

}  // namespace palette::pipeline
