#include "sampling/noise_source.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <sstream>

#include "palette/error.h"

namespace palette {
namespace {

std::string shape_text(at::IntArrayRef shape) {
  std::ostringstream out;
  out << shape;
  return out.str();
}

torch::Tensor convert(const torch::Tensor& t, const torch::TensorOptions& options, bool copy) {
  return t.to(options.device(), c10::typeMetaToScalarType(options.dtype()), /*non_blocking=*/false, copy);
}

}  // namespace

// createCPUGenerator exists under this name in LibTorch 1.13 and 2.x alike.
SeededNoise::SeededNoise(uint64_t seed) : seed_(seed), generator_(at::detail::createCPUGenerator(seed)) {}

torch::Tensor SeededNoise::randn(at::IntArrayRef shape, const torch::TensorOptions& options) {
  // Always drawn on the CPU in float32: that is what diffusers' randn_tensor does with a CPU generator
  // in a float32 pipeline, and CUDA generators give other numbers for the same seed.
  const auto draw = torch::randn(shape, generator_, torch::dtype(torch::kFloat32));
  return convert(draw, options, /*copy=*/false);
}

torch::Tensor RecordingNoise::randn(at::IntArrayRef shape, const torch::TensorOptions& options) {
  auto draw = inner_.randn(shape, options);
  draws_.push_back(draw);
  return draw;
}

torch::Tensor ReplayNoise::randn(at::IntArrayRef shape, const torch::TensorOptions& options) {
  if (next_ >= draws_.size()) {
    throw Error("replayed noise: draw #" + std::to_string(next_) + " of shape " + shape_text(shape) +
                " was requested, but only " + std::to_string(draws_.size()) + " draws were recorded");
  }
  const auto& draw = draws_[next_];
  if (draw.sizes() != shape) {
    throw Error("replayed noise: draw #" + std::to_string(next_) + " was recorded with shape " +
                shape_text(draw.sizes()) + " but shape " + shape_text(shape) + " was requested");
  }
  ++next_;
  // A copy, so that a caller working in place cannot alter the recording.
  return convert(draw, options, /*copy=*/true);
}

}  // namespace palette
