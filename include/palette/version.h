// Version of the engine library and of the LibTorch it was built against.
// Thread safety: all functions are pure and may be called from any thread.
#pragma once

#include <string>

namespace palette {

std::string version();          // "0.1.0" (palette_base, no LibTorch)
std::string torch_version();    // LibTorch version the engine was compiled with, e.g. "1.13.1" (palette_engine)

}  // namespace palette
