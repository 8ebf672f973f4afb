// What the app does when the device runs out of memory: the live picture is made smaller (each time
// half the sides, at most three times), and model loading retries on the CPU. The engine session
// applies these; the decisions live here so they are tested without a GPU.
//
//   int halvings = 0;
//   if (auto notice = shrink_after_oom(error, halvings)) show(*notice);   // then rebuild the stream
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace palette::app {

constexpr int kMaxStreamHalvings = 3;

bool is_out_of_memory(const std::string& message);  // CUDA's "out of memory", the CPU's bad_alloc
int halve_side(int side);                           // half, rounded down to a multiple of 8, ≥ 64
std::pair<int, int> scaled_size(int width, int height, int halvings);  // halve_side `halvings` times
// For a stream failure `error`: when it is out of memory and another halving is allowed, increments
// `halvings` and returns the notice to show; nullopt otherwise (the error is shown as it is).
std::optional<std::string> shrink_after_oom(const std::string& error, int& halvings);

}  // namespace palette::app
