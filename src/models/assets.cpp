#include "models/assets.h"

#include <cstdlib>
#include <system_error>

#include "palette/model.h"

namespace palette {

namespace fs = std::filesystem;

namespace {

// A folder is the assets when it holds the CLIP vocabulary: an unrelated folder named assets/ higher
// up (a user's own) is passed over.
bool holds_assets(const fs::path& folder) {
  std::error_code ec;
  return fs::is_regular_file(folder / "clip-tokenizer" / "vocab.json", ec);
}

// Messages then name the real folder, not a build tree's link to it.
fs::path real(const fs::path& folder) {
  std::error_code ec;
  const fs::path resolved = fs::canonical(folder, ec);
  return ec ? folder : resolved;
}

}  // namespace

fs::path assets_beside(const fs::path& executable) {
  const fs::path home = executable.parent_path();
  for (fs::path dir = home; !dir.empty(); dir = dir.parent_path()) {
    if (holds_assets(dir / "share" / "semantic-palette")) return real(dir / "share" / "semantic-palette");
    if (holds_assets(dir / "assets")) return real(dir / "assets");
    if (dir == dir.parent_path()) break;  // the root
  }
  return home.parent_path() / "share" / "semantic-palette";
}

fs::path assets_folder() {
  if (const char* env = std::getenv("PALETTE_ASSETS"); env && *env) return fs::path(env);
  std::error_code ec;
  const fs::path executable = fs::read_symlink("/proc/self/exe", ec);
  if (ec || !executable.is_absolute()) return fs::path("assets");
  return assets_beside(executable);
}

fs::path builtin_model_folder() { return assets_folder() / "default-model"; }

}  // namespace palette
