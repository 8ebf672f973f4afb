// Where the reference fixtures live: $PALETTE_FIXTURES, else ../shared/fixtures beside the project.
#pragma once

#include <filesystem>

namespace palette::test {

// Fails the calling test (and returns an empty path) when the folder does not exist, so a missing
// fixture set is a visible failure, never a silent pass.
std::filesystem::path fixtures_dir();

}  // namespace palette::test
