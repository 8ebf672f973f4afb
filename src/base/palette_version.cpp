#include "build_info.h"
#include "palette/version.h"

namespace palette {

std::string version() { return PALETTE_VERSION; }

}  // namespace palette
