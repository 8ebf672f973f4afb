// A whole file mapped into memory, copy-on-write: pages are read lazily from the file, and writes
// to the mapping land in private pages, never in the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace palette {

class MappedFile {
 public:
  // Throws palette::Error naming the file when it cannot be opened or mapped, or is not a regular
  // file (a FIFO or device is refused unopened: see palette/input_file.h).
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  uint8_t* data() const { return data_; }  // null for an empty file
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace palette
