// Version of the engine library and of the LibTorch it was built against.
// Thread safety: all functions are pure and may be called from any thread.
#pragma once

#include <string>

namespace palette {

std::string version();          // "0.1.0"
std::string torch_version();    // LibTorch version the engine was compiled with, e.g. "1.13.1"

}  // namespace palette
