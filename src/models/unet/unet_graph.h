// Runs a UNet through CUDA graphs: the first call with a new input shape records the whole forward
// pass once (after warm-up) and every later call with that shape only copies its inputs into the
// recorded buffers and replays the graph — one launch instead of ~1,500, which is what makes small
// batches fast. The stream engine calls the UNet every frame with the same shapes, so it gains most.
//
//   palette::UNetGraphRunner runner(parts.unet, /*use_graphs=*/true);
//   torch::Tensor eps = runner.forward(x, timesteps, hidden, {cond});  // valid until the next forward
//
// Promises: the same result as unet->forward (the graph runs the same kernels on the same inputs).
// Without CUDA (a CPU model, or LibTorch without CUDA) or with use_graphs false it is plain forward.
// The returned tensor of a replayed graph is the graph's own output buffer: it holds until the next
// forward call of this runner; clone it to keep it longer.
// Thread safety: one runner belongs to one thread (the stream engine's); the UNet may be shared.
// Memory: the recorded shapes kept are the newest that fit graph_memory_budget (at least the newest).
// Failures: when the GPU has not the memory to record a graph, the runner drops its older graphs and
// tries once more, then runs eagerly from then on (the same result, more launches). While another thread's
// one-shot work runs (GraphRecordingBusy, models/cuda_graph.h) a new shape runs eagerly and is recorded on a
// later call. Any other failed capture throws palette::Error and leaves nothing recorded; the runner falls
// back to eager calls afterwards.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "models/unet/unet.h"

namespace palette {

class UNetGraphRunner {
 public:
  UNetGraphRunner(UNet2DConditionModel unet, bool use_graphs);
  ~UNetGraphRunner();
  UNetGraphRunner(const UNetGraphRunner&) = delete;
  UNetGraphRunner& operator=(const UNetGraphRunner&) = delete;

  // As UNet2DConditionModelImpl::forward; must run under NoGradGuard / InferenceMode.
  torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                        const torch::Tensor& encoder_hidden_states, const UNetConditions& conditions = {});

  // The same for a regional-attention call (models/unet/regional_attention.h): the context's tensors
  // are recorded buffers too, so a prompt or mask edit that keeps their shapes replays the graph.
  torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timesteps, const RegionalContext& regional,
                        const UNetConditions& conditions = {});

  bool graphs_enabled() const { return use_graphs_; }
  int64_t captures() const { return captures_; }  // graphs recorded so far
  int64_t replays() const { return replays_; }

  struct Recorded;  // one graph with its input and output buffers (unet_graph.cpp)

 private:
  torch::Tensor run(const torch::Tensor& sample, const torch::Tensor& timesteps, const torch::Tensor& hidden,
                    const RegionalContext* regional, const UNetConditions& conditions);
  torch::Tensor eager(const torch::Tensor& sample, const torch::Tensor& timesteps, const torch::Tensor& hidden,
                      const RegionalContext* regional, const UNetConditions& conditions);

  UNet2DConditionModel unet_;
  bool use_graphs_ = false;
  std::vector<std::unique_ptr<Recorded>> recorded_;  // newest last; a few shapes at most
  int64_t captures_ = 0, replays_ = 0;
};

}  // namespace palette
