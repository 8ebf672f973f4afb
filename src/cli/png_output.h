// The check every command that writes a picture makes before any heavy work.
#pragma once

#include <filesystem>

#include "palette/error.h"

namespace palette::cli {

// Throws palette::Error naming -o unless `output` ends in .png and its folder exists.
inline void check_png_output(const std::filesystem::path& output) {
  if (output.extension() != ".png")
    throw Error("-o: '" + output.string() + "' must end in .png (the settings travel in a PNG text chunk)");
  const auto folder = output.parent_path();
  if (!folder.empty() && !std::filesystem::is_directory(folder))
    throw Error("-o: folder '" + folder.string() + "' does not exist");
}

}  // namespace palette::cli
