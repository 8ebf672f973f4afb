#include "support/temp_dir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace palette::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "palette-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  // nftw rather than std::filesystem::remove_all: on the GPU machine (g++ 13, PyTorch's LibTorch)
  // every test whose temporary folder still held files crashed at this point.
  ::nftw(
      path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

void write_raw(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_raw(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace palette::test
