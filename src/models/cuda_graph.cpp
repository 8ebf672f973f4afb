#include "models/cuda_graph.h"

#include <string>

#include "build_info.h"
#include "models/out_of_memory.h"
#include "palette/error.h"

#if PALETTE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#endif

namespace palette {

struct CudaGraph::Impl {
#if PALETTE_WITH_CUDA
  at::cuda::CUDAGraph graph;
#endif
};

CudaGraph::CudaGraph() : impl_(std::make_unique<Impl>()) {}
CudaGraph::~CudaGraph() = default;

#if PALETTE_WITH_CUDA
namespace {

// Makes `waiter` wait for the work queued on `other` so far, without blocking the host.
void wait_for(const at::cuda::CUDAStream& waiter, const at::cuda::CUDAStream& other) {
  at::cuda::CUDAEvent event;
  event.record(other);
  event.block(waiter);
}

}  // namespace
#endif

std::unique_ptr<CudaGraph> CudaGraph::record(const torch::Device& device, const std::function<void()>& body) {
  if (!device.is_cuda()) return nullptr;
#if PALETTE_WITH_CUDA
  std::unique_ptr<CudaGraph> recorded(new CudaGraph());
  // The default stream cannot be recorded: warm-up and recording run on a stream of their own, ordered
  // after what the caller queued before and before what it queues next.
  const at::cuda::CUDAStream side = at::cuda::getStreamFromPool(false, device.index());
  const at::cuda::CUDAStream main = at::cuda::getCurrentCUDAStream(device.index());
  wait_for(side, main);
  {
    at::cuda::CUDAStreamGuard guard(side);
    for (int i = 0; i < 2; ++i) body();
    try {
      recorded->impl_->graph.capture_begin();
      body();
      recorded->impl_->graph.capture_end();
    } catch (const std::exception& e) {
      // End the broken recording so that the stream takes work again.
      try {
        recorded->impl_->graph.capture_end();
      } catch (const std::exception&) {
      }
      throw Error(std::string("recording a CUDA graph failed: ") + e.what(), error_kind(e));
    }
  }
  wait_for(main, side);
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

void CudaGraph::replay() {
#if PALETTE_WITH_CUDA
  impl_->graph.replay();
#endif
}

}  // namespace palette
