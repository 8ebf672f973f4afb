#include "models/unet/unet_graph.h"

#include <array>

#include "build_info.h"
#include "models/cuda_graph.h"
#include "palette/error.h"

namespace palette {

namespace {

// Each recorded shape keeps its activations alive in the graph's memory pool (a 512² stream batch of
// SD 1.5 about 10 GB): a stream that changes size a few times keeps the newest shapes that fit
// graph_memory_budget, and at most this many.
constexpr size_t kMaxRecorded = 3;

// The conditions as tensors in one order, for keys, clones and copies alike (no allocation: every frame).
std::array<const torch::Tensor*, 3> tensors_of(const UNetConditions& c) { return {&c.timestep_cond, &c.text_embeds, &c.time_ids}; }
std::array<torch::Tensor*, 3> tensors_of(UNetConditions& c) { return {&c.timestep_cond, &c.text_embeds, &c.time_ids}; }

}  // namespace

struct UNetGraphRunner::Recorded {
  std::vector<std::vector<int64_t>> key;
  torch::Tensor sample, timesteps, hidden, output;
  UNetConditions conditions;
  RegionalContext regional;  // the recorded buffers of a regional call (contexts, masks per level)
  std::unique_ptr<CudaGraph> graph;
};

UNetGraphRunner::UNetGraphRunner(UNet2DConditionModel unet, bool use_graphs) : unet_(std::move(unet)) {
  const auto params = unet_->parameters();
  const bool on_cuda = !params.empty() && params.front().is_cuda();
  use_graphs_ = use_graphs && on_cuda && PALETTE_WITH_CUDA;
}

UNetGraphRunner::~UNetGraphRunner() = default;

torch::Tensor UNetGraphRunner::forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                       const torch::Tensor& hidden, const UNetConditions& conditions) {
  return run(sample, timesteps, hidden, nullptr, conditions);
}

torch::Tensor UNetGraphRunner::forward(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                       const RegionalContext& regional, const UNetConditions& conditions) {
  return run(sample, timesteps, {}, &regional, conditions);
}

torch::Tensor UNetGraphRunner::eager(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                     const torch::Tensor& hidden, const RegionalContext* regional,
                                     const UNetConditions& conditions) {
  return regional ? unet_->forward(sample, timesteps, *regional, conditions)
                  : unet_->forward(sample, timesteps, hidden, conditions);
}

torch::Tensor UNetGraphRunner::run(const torch::Tensor& sample, const torch::Tensor& timesteps,
                                   const torch::Tensor& hidden, const RegionalContext* regional,
                                   const UNetConditions& conditions) {
  if (!use_graphs_ || !sample.is_cuda()) return eager(sample, timesteps, hidden, regional, conditions);
#if PALETTE_WITH_CUDA
  // Timesteps are recorded as a (B,) device tensor, so one timestep for all items is expanded first.
  const torch::Tensor steps = timesteps.reshape({-1}).expand({timesteps.numel() == 1 ? sample.size(0) : timesteps.numel()});
  std::vector<std::vector<int64_t>> key = {tensor_signature(sample), tensor_signature(steps), tensor_signature(hidden)};
  for (const torch::Tensor* t : tensors_of(conditions)) key.push_back(tensor_signature(*t));
  if (regional) {
    key.push_back(tensor_signature(regional->contexts));
    key.push_back({regional->height, regional->width});
    for (const auto& m : regional->masks) key.push_back(tensor_signature(m));
  }
  for (auto& r : recorded_) {
    if (r->key != key) continue;
    r->sample.copy_(sample, /*non_blocking=*/true);
    r->timesteps.copy_(steps, true);
    if (hidden.defined()) r->hidden.copy_(hidden, true);
    const auto given = tensors_of(conditions);
    const auto buffers = tensors_of(r->conditions);
    for (size_t i = 0; i < given.size(); ++i)
      if (given[i]->defined()) buffers[i]->copy_(*given[i], true);
    if (regional) {  // a prompt or mask edit keeps the shapes: new values, same graph
      r->regional.contexts.copy_(regional->contexts, true);
      for (size_t i = 0; i < regional->masks.size(); ++i) r->regional.masks[i].copy_(regional->masks[i], true);
    }
    r->graph->replay();
    ++replays_;
    return r->output;
  }

  // A recording waits out another thread's one-shot work (an export) by running eagerly meanwhile.
  if (EagerGpuWork::running()) return eager(sample, timesteps, hidden, regional, conditions);
  auto r = std::make_unique<Recorded>();
  r->key = key;
  const auto device = sample.options();
  r->sample = sample.clone();
  r->timesteps = steps.to(device.dtype(steps.scalar_type()), /*non_blocking=*/false, /*copy=*/true).contiguous();
  if (hidden.defined()) r->hidden = hidden.clone();
  {
    const auto given = tensors_of(conditions);
    const auto buffers = tensors_of(r->conditions);
    for (size_t i = 0; i < given.size(); ++i)
      if (given[i]->defined()) *buffers[i] = given[i]->to(sample.device(), /*non_blocking=*/false, /*copy=*/true);
  }
  if (regional) {
    r->regional.contexts = regional->contexts.clone();
    for (const auto& m : regional->masks) r->regional.masks.push_back(m.clone());
    r->regional.height = regional->height;
    r->regional.width = regional->width;
  }
  const RegionalContext* recorded_regional = regional ? &r->regional : nullptr;
  // One eager run first, outside the capture: a caller's mistake (a shape the UNet refuses, SDXL's
  // conditions missing) throws here and leaves graphs on for calls that are right.
  const torch::Tensor first = eager(r->sample, r->timesteps, r->hidden, recorded_regional, r->conditions);
  // Refused for lack of memory, the older shapes' graphs go first and the recording is tried once more;
  // refused again, graphs only save launches: the same work runs eagerly from then on.
  for (int attempt = 0; !r->graph; ++attempt) {
    try {
      r->graph = CudaGraph::record(sample.device(), [&] {
        r->output = eager(r->sample, r->timesteps, r->hidden, recorded_regional, r->conditions);
      });
    } catch (const GraphRecordingBusy&) {
      return first;  // the same inputs' result; recorded on a later call
    } catch (const GraphRecordingRefused&) {
      const bool retry = attempt == 0 && !recorded_.empty();
      recorded_.clear();
      if (retry) continue;
      use_graphs_ = false;
      return eager(sample, timesteps, hidden, regional, conditions);
    } catch (const Error& e) {
      use_graphs_ = false;  // whatever failed would fail again; eager calls still work
      throw Error(std::string("the UNet's ") + e.what(), e.kind());
    }
  }
  count_recorded_shape("unet", r->key);
  ++captures_;
  recorded_.push_back(std::move(r));
  // The oldest shapes go first while the graphs hold more than their share of the GPU.
  const int64_t budget = graph_memory_budget(sample.device());
  const auto held = [&] {
    int64_t sum = 0;
    for (const auto& kept : recorded_) sum += kept->graph->memory_bytes();
    return sum;
  };
  while (recorded_.size() > 1 && (recorded_.size() > kMaxRecorded || held() > budget)) recorded_.erase(recorded_.begin());
  // The recording itself does not compute anything: replay once for this call's result.
  recorded_.back()->graph->replay();
  ++replays_;
  return recorded_.back()->output;
#else
  return eager(sample, timesteps, hidden, regional, conditions);
#endif
}

}  // namespace palette
