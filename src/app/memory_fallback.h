// What the app does when the device runs out of memory: the live picture is made smaller (each time
// half the sides, at most three times), and model loading retries on the CPU. The engine session
// applies these, and says a stopped export with them; the decisions live here so they are tested
// without a GPU. They are taken on the failure's palette::ErrorKind, never on its message.
//
//   int halvings = 0;
//   if (auto notice = shrink_after_oom(error.kind(), halvings)) show(*notice);   // then rebuild the stream
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "palette/error.h"

namespace palette::app {

constexpr int kMaxStreamHalvings = 3;

// For a stream failure of `kind`: when it is OutOfMemory and another halving is allowed, increments
// `halvings` and returns the notice to show; nullopt otherwise (the error is shown as it is).
std::optional<std::string> shrink_after_oom(ErrorKind kind, int& halvings);
// Whether a model that failed to load on `on_gpu` with `kind` is loaded again on the CPU.
bool load_on_cpu_instead(ErrorKind kind, bool on_gpu);
// What an export that stopped with `kind` and `message` says ("export cancelled" for Cancelled).
std::string export_failure(ErrorKind kind, const std::string& message);

}  // namespace palette::app
