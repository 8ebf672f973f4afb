#include "palette/version.h"

#include <torch/version.h>

#include "build_info.h"

namespace palette {

std::string version() { return PALETTE_VERSION; }
std::string torch_version() { return TORCH_VERSION; }

}  // namespace palette
