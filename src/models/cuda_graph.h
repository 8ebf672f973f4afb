// One recorded CUDA graph: a body of GPU work captured once and replayed with a single launch. The
// body reads and writes tensors that stay alive with the caller (its input and output buffers), so a
// replay computes the same thing on whatever those buffers hold now.
//
//   auto graph = palette::CudaGraph::record(device, [&] { out = work(in); });  // in, out: buffers
//   in.copy_(next_input);
//   graph->replay();                                                         // out is updated
//
// Promises: record() runs the body twice on a side stream first (so cuDNN/cuBLAS choose algorithms
// and workspaces outside the recording), then records it once; recording computes nothing, so the
// caller replays for the first result. Memory the body allocates lives in the graph's own pool as
// long as the graph does; each recording first returns the allocator's unused cache to the driver (the
// pools of graphs destroyed since among it), so the memory held follows the graphs kept. Recordings from
// several threads take turns (one waits for the other): emptying the cache or capturing while another
// thread captures is an error. The body must not
// synchronise with the host or copy from pageable memory. Other threads' GPU work belongs in an EagerGpuWork
// (below), on streams of their own, not the pool's: the recording runs on a pool stream (the capture is
// thread-local, with LibTorch ≥ 2.1). The one exception is the live stream that records, and only one runs
// at a time (the app and `palette bench -w churn` start a stream once the last one is gone): a second
// stream's eager work beside the first one's capture would fail as one-shot work did.
// Without CUDA (a CPU device, or LibTorch without CUDA) record() returns null: run the body eagerly.
// Memory: a recording needs fresh device memory (a graph's pool cannot borrow the allocator's cache),
// about what one eager run of the body allocates. Before recording, record() measures that on the
// warm-up runs; when the device has less free, it first returns the allocator's unused cache to the
// driver, and if that is not enough it refuses with
// GraphRecordingRefused (an OutOfMemory) before the capture starts: a capture that runs out of memory
// half-way leaves CUDA libraries in a state that fails later calls, and is reported as the failure it is.
// Eager work beside recordings: other threads' one-shot GPU work (an export, a picture check, loading a
// model) holds an EagerGpuWork while it runs. A capture and such work never overlap: record() refuses with
// GraphRecordingBusy while any is held (the caller runs that call eagerly and records on a later one), and
// an EagerGpuWork made during a recording waits for it to end. Thread-local capture does not make the
// overlap safe: CUDA libraries' first use on a thread (cuDNN's handle) and device-wide synchronisations
// fail another thread's capture whatever its mode (issue 23: `palette bench -w churn` with picture checks
// on an H200, every check and nine stream recordings failed with "operation not permitted when stream is
// capturing").
// Failures: a failed recording throws palette::Error with CUDA's reason and records nothing.
// Thread safety: a graph belongs to one thread at a time.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "palette/error.h"

namespace palette {

// The GPU had not the free memory a recording needs: nothing was captured, the same work runs eagerly.
class GraphRecordingRefused : public OutOfMemory {
 public:
  using OutOfMemory::OutOfMemory;
};

// Eager GPU work was running on another thread (an EagerGpuWork was held): nothing was captured; the same
// work runs eagerly, and a later call may record.
class GraphRecordingBusy : public Error {
 public:
  using Error::Error;
};

// Held by one-shot GPU work on a thread that records no graphs, for as long as that work runs (see above).
// Nested holders on one thread count once. For a device other than CUDA it does nothing. One gate serves
// every GPU of the process: work on one card keeps recordings out on the others too.
class EagerGpuWork {
 public:
  explicit EagerGpuWork(const torch::Device& device);
  ~EagerGpuWork();
  EagerGpuWork(const EagerGpuWork&) = delete;
  EagerGpuWork& operator=(const EagerGpuWork&) = delete;

  // Whether any thread holds one now: a caller about to record skips the attempt (and its warm-up runs).
  static bool running();

 private:
  bool held_ = false;
};

class CudaGraph {
 public:
  static std::unique_ptr<CudaGraph> record(const torch::Device& device, const std::function<void()>& body);
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  void replay();  // queued on the current stream; does not wait
  // The device memory the graph's pool holds while it lives (what its recording reserved).
  int64_t memory_bytes() const;

 private:
  CudaGraph();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What a recording is keyed on for one tensor: its sizes and dtype ({-1} when undefined). A replay is
// only valid for inputs with the signatures the graph was recorded with.
std::vector<int64_t> tensor_signature(const torch::Tensor& t);

// How much device memory the graphs of one owner (a stream's UNet runner) may hold together: a quarter
// of the GPU's memory, so that the model, the eager work around the graphs and a new recording still fit
// (a 512² stream batch of SD 1.5 keeps ~10 GB per recorded shape). 0 without CUDA.
int64_t graph_memory_budget(const torch::Device& device);

// Counts a recording of `key` by `owner` (which runner recorded it) among the distinct shapes that
// palette::cuda_graph_figures() reports; call after a recording succeeded.
void count_recorded_shape(const char* owner, const std::vector<std::vector<int64_t>>& key);
}  // namespace palette
