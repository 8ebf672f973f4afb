#include "models/cuda_graph.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>

#include "build_info.h"
#include "models/out_of_memory.h"
#include "palette/error.h"
#include "palette/cuda_graph_figures.h"

#if PALETTE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#include <torch/version.h>
#endif

namespace palette {

struct CudaGraph::Impl {
#if PALETTE_WITH_CUDA
  at::cuda::CUDAGraph graph;
#endif
  int64_t memory_bytes = 0;
  bool recorded = false;  // counted among the graphs alive
};

namespace {
// Recordings in one process take turns, and a graph is destroyed between them. A stream retiring after a
// live-mode switch finishes its frame and is destroyed while the new stream records its first graphs, each
// on its own thread: one's emptying of the cache or capture beside the other's capture failed with "operation
// not permitted when stream is capturing" (issue 23's churn runs, bench/RESULTS.md, eighteenth session).
std::mutex& recording_turn() {
  static std::mutex* const turn = new std::mutex;  // never destroyed, as recorded_shapes() below
  return *turn;
}

// Shared by one-shot GPU work on other threads (EagerGpuWork), exclusive while a recording runs.
std::shared_mutex& eager_gate() {
  static std::shared_mutex* const gate = new std::shared_mutex;  // never destroyed, as recording_turn()
  return *gate;
}
std::atomic<int> eager_holders{0};  // threads holding the gate shared
thread_local int eager_depth = 0;   // this thread's nested EagerGpuWork

std::atomic<int64_t> graphs_recorded{0}, graphs_alive{0};

struct RecordedShapes {
  std::mutex mutex;
  std::set<std::pair<std::string, std::vector<std::vector<int64_t>>>> seen;
};
RecordedShapes& recorded_shapes() {
  // Never destroyed: a stream on a pooled (detached) thread may still record while the process exits.
  static RecordedShapes* const shapes = new RecordedShapes;
  return *shapes;
}
}  // namespace

EagerGpuWork::EagerGpuWork(const torch::Device& device) {
  if (!device.is_cuda()) return;
  held_ = true;
  if (eager_depth > 0) {
    ++eager_depth;
    return;
  }
  eager_gate().lock_shared();  // waits while a recording runs; counted only once held (it may throw)
  eager_depth = 1;
  ++eager_holders;
}

EagerGpuWork::~EagerGpuWork() {
  if (!held_ || --eager_depth > 0) return;
  --eager_holders;
  eager_gate().unlock_shared();
}

bool EagerGpuWork::running() { return eager_holders.load() > 0; }

CudaGraph::CudaGraph() : impl_(std::make_unique<Impl>()) {}
CudaGraph::~CudaGraph() {
  const std::lock_guard<std::mutex> turn(recording_turn());
  if (impl_->recorded) --graphs_alive;
  impl_.reset();
}

void count_recorded_shape(const char* owner, const std::vector<std::vector<int64_t>>& key) {
  RecordedShapes& shapes = recorded_shapes();
  const std::lock_guard<std::mutex> lock(shapes.mutex);
  shapes.seen.emplace(owner, key);
}

CudaGraphFigures cuda_graph_figures() {
  CudaGraphFigures f;
  f.graphs_recorded = graphs_recorded.load();
  f.graphs_alive = graphs_alive.load();
  RecordedShapes& shapes = recorded_shapes();
  const std::lock_guard<std::mutex> lock(shapes.mutex);
  f.shapes_recorded = static_cast<int64_t>(shapes.seen.size());
  return f;
}

#if PALETTE_WITH_CUDA
namespace {

// Makes `waiter` wait for the work queued on `other` so far, without blocking the host.
void wait_for(const at::cuda::CUDAStream& waiter, const at::cuda::CUDAStream& other) {
  at::cuda::CUDAEvent event;
  event.record(other);
  event.block(waiter);
}

constexpr int64_t kMiB = int64_t(1) << 20;
// Room left beside a recording for what cuBLAS and cuDNN allocate outside the allocator.
constexpr int64_t kRecordingMargin = 512 * kMiB;

// The current device's free and total memory. Unknown (the call failed; its error is cleared so that no
// later check reports it) counts as plenty of both: recordings are tried and kept as before these checks.
struct DeviceMemory {
  int64_t free_bytes, total_bytes;
};
DeviceMemory device_memory() {
  size_t free_bytes = 0, total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    (void)cudaGetLastError();
    return {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max()};
  }
  return {int64_t(free_bytes), int64_t(total_bytes)};
}
int64_t free_device_bytes() { return device_memory().free_bytes; }

// The allocator's aggregate counters (index 0 of each StatArray: all pools together).
int64_t allocated_bytes(c10::DeviceIndex index) {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(index).allocated_bytes[0].current;
}
int64_t peak_allocated_bytes(c10::DeviceIndex index) {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(index).allocated_bytes[0].peak;
}
int64_t reserved_bytes(c10::DeviceIndex index) {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(index).reserved_bytes[0].current;
}

// Returns the allocator's unused cache to the driver. A destroyed graph's pool stays in that cache, where
// only a recording that found the device full used to free it: the GPU memory a live session held climbed
// to the device's size and dropped back (the app's ten-minute run on an H200: 9 -> 141 GB every three
// minutes). Called where recordings start, on the thread that records, never during a capture (emptying the
// cache then is an error); a failure costs only the memory, so it is swallowed.
void return_unused_cache() {
  try {
    c10::cuda::CUDACachingAllocator::emptyCache();
  } catch (const std::exception&) {
    (void)cudaGetLastError();  // a failed call leaves its error for the next kernel launch's check to report
  }
}

// Makes sure a recording that allocates `need` bytes fits, or refuses before capturing.
void make_room_for_recording(int64_t need) {
  const int64_t wanted = need + kRecordingMargin;
  if (free_device_bytes() >= wanted) return;
  return_unused_cache();
  const int64_t free_bytes = free_device_bytes();
  if (free_bytes >= wanted) return;
  throw GraphRecordingRefused("recording a CUDA graph needs about " + std::to_string(wanted / kMiB) +
                    " MiB of free GPU memory, " + std::to_string(free_bytes / kMiB) + " MiB are free");
}

}  // namespace
#endif

std::unique_ptr<CudaGraph> CudaGraph::record(const torch::Device& device, const std::function<void()>& body) {
  if (!device.is_cuda()) return nullptr;
#if PALETTE_WITH_CUDA
  // Declared before the turn is taken, so that on failure the turn is given back before ~CudaGraph takes it.
  std::unique_ptr<CudaGraph> recorded(new CudaGraph());
  const std::lock_guard<std::mutex> turn(recording_turn());
  // Never waits for eager work: a stream's frame must not stall behind an export of several seconds.
  const std::unique_lock<std::shared_mutex> alone(eager_gate(), std::try_to_lock);
  if (!alone.owns_lock()) throw GraphRecordingBusy("eager GPU work is running on another thread");
  // Graphs of shapes no longer recorded (and of retired streams) are gone by now: what the device holds
  // after this recording is what is in use. A device-wide synchronisation, once per shape change.
  return_unused_cache();
  // The default stream cannot be recorded: warm-up and recording run on a stream of their own, ordered
  // after what the caller queued before and before what it queues next.
  const at::cuda::CUDAStream side = at::cuda::getStreamFromPool(false, device.index());
  const at::cuda::CUDAStream main = at::cuda::getCurrentCUDAStream(device.index());
  wait_for(side, main);
  std::exception_ptr failure;
  {
    at::cuda::CUDAStreamGuard guard(side);
    const c10::DeviceIndex index = side.device_index();
    try {
      const int64_t before = allocated_bytes(index);
      c10::cuda::CUDACachingAllocator::resetPeakStats(index);
      for (int i = 0; i < 2; ++i) body();
      make_room_for_recording(peak_allocated_bytes(index) - before);
    } catch (const std::exception&) {
      failure = std::current_exception();
    }
    if (!failure) {
      const int64_t reserved_before = reserved_bytes(index);
      try {
        // Thread-local capture: CUDA's default (global) mode fails every potentially unsafe call of the
        // whole process while a capture runs (a cudaMalloc, a synchronising copy, an event query), so the
        // app's picture check and export, on threads of their own, failed with "operation not permitted when
        // stream is capturing" whenever the live stream recorded a new shape meanwhile (issue 23's long run).
        // The body itself still may not make such calls: this thread's are refused as before. Thread-local
        // mode is not enough on its own: eager work is kept out of the capture as well (EagerGpuWork).
        // (LibTorch takes the mode since 2.1; before, captures are global.)
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
        recorded->impl_->graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
#else
        recorded->impl_->graph.capture_begin();
#endif
        body();
        recorded->impl_->graph.capture_end();
        recorded->impl_->memory_bytes = std::max<int64_t>(0, reserved_bytes(index) - reserved_before);
        recorded->impl_->recorded = true;
        ++graphs_recorded;
        ++graphs_alive;
      } catch (const std::exception& e) {
        // End the broken recording so that the stream takes work again.
        try {
          recorded->impl_->graph.capture_end();
        } catch (const std::exception&) {
        }
        failure = std::make_exception_ptr(
            Error(std::string("recording a CUDA graph failed: ") + e.what(), error_kind(e)));
      }
    }
  }
  // The caller's stream waits for the side stream's work whatever happened: its buffers were read there.
  wait_for(main, side);
  if (failure) std::rethrow_exception(failure);
  return recorded;
#else
  (void)body;
  return nullptr;
#endif
}

std::vector<int64_t> tensor_signature(const torch::Tensor& t) {
  if (!t.defined()) return {-1};
  std::vector<int64_t> s(t.sizes().begin(), t.sizes().end());
  s.push_back(int64_t(t.scalar_type()));
  return s;
}

int64_t CudaGraph::memory_bytes() const { return impl_->memory_bytes; }

int64_t graph_memory_budget(const torch::Device& device) {
  if (!device.is_cuda()) return 0;
#if PALETTE_WITH_CUDA
  const c10::cuda::CUDAGuard guard(device.has_index() ? device.index() : c10::cuda::current_device());
  return device_memory().total_bytes / 4;
#else
  return 0;
#endif
}

void CudaGraph::replay() {
#if PALETTE_WITH_CUDA
  impl_->graph.replay();
#endif
}

}  // namespace palette
