#include <torch/version.h>

#include "palette/version.h"

namespace palette {

std::string torch_version() { return TORCH_VERSION; }

}  // namespace palette
