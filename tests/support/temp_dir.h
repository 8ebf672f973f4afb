// A fresh folder under the system's temporary directory, removed with everything in it on scope exit.
#pragma once

#include <filesystem>
#include <string>

namespace palette::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes `bytes` to `path` verbatim (for hand-made, possibly broken files).
void write_raw(const std::filesystem::path& path, const std::string& bytes);
std::string read_raw(const std::filesystem::path& path);

}  // namespace palette::test
