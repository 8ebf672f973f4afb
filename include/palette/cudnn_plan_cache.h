// How many cuDNN execution plans LibTorch keeps. Each thread that runs convolutions on a GPU keeps its own
// cache of a plan for every convolution shape it has run (LibTorch's v8 API; about 200 KB of host memory a
// plan by PyTorch's documentation) and evicts only past TORCH_CUDNN_V8_API_LRU_CACHE_LIMIT plans, 10,000 by
// default (some 2 GB a thread). A live session makes a new UNet batch shape at each brush added or removed and
// each live-mode switch, and its streams run on several pooled threads, so without a tighter bound the caches
// grow for as long as a session finds shapes a thread has not run before.
// Thread safety: call once at program start, before LibTorch first runs a convolution on a GPU (it reads the
// variable then, once).
#pragma once

#include <string>

namespace palette {

// What the app and `palette` keep: a dozen or so shapes of the SD 1.5 UNet and its decoders, what a live session
// moves between.
constexpr int kCudnnPlansKept = 1000;

// Unless the user set TORCH_CUDNN_V8_API_LRU_CACHE_LIMIT: at most `plans` plans a thread (the least recently
// used go first; a shape whose plans went is planned again when it comes back, milliseconds beside the
// CUDA-graph recording a new shape costs anyway). Without effect where LibTorch has no CUDA. Returns the
// setting it made as one line ("" when the user's stands).
std::string limit_cudnn_plan_cache(int plans);

}  // namespace palette
