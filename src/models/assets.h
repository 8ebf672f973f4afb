// Where the bundled assets are (the CLIP vocabulary, the built-in default model, the example layouts):
// found from the running program, so a build tree and an installed copy each find their own, and
// $PALETTE_ASSETS is read here and nowhere else.
#pragma once

#include <filesystem>

namespace palette {

// $PALETTE_ASSETS when it is set and not empty; else assets_beside(the running executable), or
// assets/ in the working directory where the executable cannot be known (no /proc/self/exe).
std::filesystem::path assets_folder();

// The assets of the program at `executable` (an absolute path): from its folder upwards, the first
// share/semantic-palette (an installed prefix, <prefix>/bin/palette; a build folder links its own to
// the source tree's assets/) or assets/ (a build folder inside the source tree) that holds the CLIP
// vocabulary, links resolved. When none does, the installed location <executable's
// folder>/../share/semantic-palette, so that errors name where it should be.
std::filesystem::path assets_beside(const std::filesystem::path& executable);

}  // namespace palette
