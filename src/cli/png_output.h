// The checks every command that writes files makes before any heavy work: a render of minutes must
// not end in "cannot write".
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "palette/error.h"

namespace palette::cli {

// Throws palette::Error naming `flag` unless `folder` (empty: the current one) is a folder this
// process can create files in. Tried with a file made and removed at once: permission bits do not
// tell (root ignores them, yet cannot create files in /proc or on a read-only mount).
inline void check_writable_folder(const std::filesystem::path& folder, const std::string& flag) {
  const std::filesystem::path dir = folder.empty() ? "." : folder;
  std::error_code error;
  const auto status = std::filesystem::status(dir, error);
  if (!std::filesystem::exists(status)) throw Error(flag + ": folder '" + dir.string() + "' does not exist");
  if (!std::filesystem::is_directory(status)) throw Error(flag + ": '" + dir.string() + "' is not a folder");
  const std::filesystem::path probe = dir / (".palette-write-check-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST)
    throw Error(flag + ": folder '" + dir.string() + "' is not writable (" + std::strerror(errno) + ")");
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
  }
}

// Throws palette::Error naming -o unless `output` ends in .png, is not a folder or other non-file,
// and its folder exists and is writable.
inline void check_png_output(const std::filesystem::path& output) {
  if (output.extension() != ".png")
    throw Error("-o: '" + output.string() + "' must end in .png (the settings travel in a PNG text chunk)");
  std::error_code error;
  const auto status = std::filesystem::status(output, error);
  if (std::filesystem::is_directory(status))
    throw Error("-o: '" + output.string() + "' is a folder; give the name of the .png file to write");
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw Error("-o: '" + output.string() + "' exists and is not a regular file");
  check_writable_folder(output.parent_path(), "-o");
}

// Makes `folder` (and its parents) for files to be written into, or throws palette::Error naming
// `flag`: it is a file, or it cannot be made or written to.
inline void prepare_output_folder(const std::filesystem::path& folder, const std::string& flag) {
  std::error_code error;
  const auto status = std::filesystem::status(folder, error);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status))
    throw Error(flag + ": '" + folder.string() + "' exists and is not a folder");
  if (!std::filesystem::exists(status) && !std::filesystem::create_directories(folder, error) && error)
    throw Error(flag + ": cannot make the folder '" + folder.string() + "' (" + error.message() + ")");
  check_writable_folder(folder, flag);
}

}  // namespace palette::cli
