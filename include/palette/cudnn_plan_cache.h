// How many cuDNN execution plans LibTorch keeps. LibTorch caches a plan for every convolution shape it has
// run (its v8 API; about 200 KB of host memory a plan by PyTorch's own estimate) and evicts only past
// TORCH_CUDNN_V8_API_LRU_CACHE_LIMIT, 10,000 plans (some 2 GB) by default. A live session makes a new UNet
// batch shape at each brush added or removed and each live-mode switch, so the cache grows for as long as the
// session finds shapes it has not made before. The app's ten-minute GPU run of random edits held 225 MB more
// heap at its end than after its first minute, and none more on a CPU (bench/RESULTS.md, nineteenth session):
// these plans are the likeliest holder, which a run with the bound is to confirm.
// Thread safety: call once at program start, before LibTorch first runs a convolution on a GPU (it reads the
// variable then, once).
#pragma once

#include <string>

namespace palette {

// Unless the user set TORCH_CUDNN_V8_API_LRU_CACHE_LIMIT: at most `plans` plans (the least recently used go
// first; a shape whose plans went is planned again when it comes back, milliseconds beside the CUDA-graph
// recording a new shape costs anyway). Without effect where LibTorch has no CUDA. Returns one line saying
// what it did ("" when nothing).
std::string limit_cudnn_plan_cache(int plans);

}  // namespace palette
