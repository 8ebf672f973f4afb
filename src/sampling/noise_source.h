// Where the samplers' and pipelines' Gaussian noise comes from. Every draw goes through a NoiseSource,
// so a run can be seeded (same numbers as PyTorch's CPU generator), recorded, or replayed from a
// reference's recorded draws.
//
//   palette::SeededNoise seeded(21);  // as torch.Generator().manual_seed(21)
//   auto latents = seeded.randn({1, 4, 64, 64}, torch::device(torch::kCUDA));  // drawn on the CPU
//   palette::RecordingNoise recorder(seeded);       // keeps every draw made through it
//   palette::ReplayNoise replay(recorder.draws());  // hands the same tensors back, in order
//
// Thread safety: a source hands out draws in sequence and is not safe to share between threads; give
// each job its own. Different sources may be used on different threads at once.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace palette {

class NoiseSource {
 public:
  virtual ~NoiseSource() = default;
  // A standard-normal tensor of `shape` with the dtype and device of `options` (float32 and CPU where
  // unset). The caller owns the result. Throws palette::Error when the source cannot give that draw.
  virtual torch::Tensor randn(at::IntArrayRef shape, const torch::TensorOptions& options = {}) = 0;
};

// PyTorch's CPU Mersenne-Twister generator seeded with `seed`: draw k equals the k-th
// torch.randn(shape, generator=torch.Generator().manual_seed(seed)) in float32, then moved to the
// requested device and cast to the requested dtype (so fp16 draws are float32 draws rounded, not
// PyTorch's native fp16 sampling, which uses a different algorithm).
class SeededNoise : public NoiseSource {
 public:
  explicit SeededNoise(uint64_t seed);
  torch::Tensor randn(at::IntArrayRef shape, const torch::TensorOptions& options = {}) override;
  uint64_t seed() const { return seed_; }  // the seed given at construction

 private:
  uint64_t seed_;
  at::Generator generator_;
};

// Passes every draw of `inner` through and keeps it (as returned, same device and dtype). `inner`
// must outlive this object.
class RecordingNoise : public NoiseSource {
 public:
  explicit RecordingNoise(NoiseSource& inner) : inner_(inner) {}
  torch::Tensor randn(at::IntArrayRef shape, const torch::TensorOptions& options = {}) override;
  const std::vector<torch::Tensor>& draws() const { return draws_; }  // in draw order; valid while alive

 private:
  NoiseSource& inner_;
  std::vector<torch::Tensor> draws_;
};

// Hands back `draws` in order, each converted to the requested dtype and device. Throws
// palette::Error naming the draw's index when more draws are asked for than were given, or when the
// requested shape differs from the recorded one.
class ReplayNoise : public NoiseSource {
 public:
  explicit ReplayNoise(std::vector<torch::Tensor> draws) : draws_(std::move(draws)) {}
  torch::Tensor randn(at::IntArrayRef shape, const torch::TensorOptions& options = {}) override;
  size_t used() const { return next_; }  // draws handed out so far
  size_t remaining() const { return draws_.size() - next_; }

 private:
  std::vector<torch::Tensor> draws_;
  size_t next_ = 0;
};

}  // namespace palette
