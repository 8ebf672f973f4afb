#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace palette::test {

std::filesystem::path fixtures_dir() {
  const char* env = std::getenv("PALETTE_FIXTURES");
  std::filesystem::path dir = (env != nullptr && *env != '\0')
                                  ? std::filesystem::path(env)
                                  : std::filesystem::path(PALETTE_SOURCE_DIR) / ".." / "shared" / "fixtures";
  if (!std::filesystem::is_directory(dir)) {
    ADD_FAILURE() << "fixtures folder '" << dir.string() << "' not found (set PALETTE_FIXTURES)";
    return {};
  }
  return std::filesystem::canonical(dir);
}

}  // namespace palette::test
