#include "io/mapped_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "palette/input_file.h"
#include "palette/error.h"

namespace palette {

namespace {
std::string system_error(const std::filesystem::path& path, const char* what) {
  return "'" + path.string() + "': " + what + ": " + std::strerror(errno);
}
}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) {
  // No size limit: a mapping costs address space, not memory. The checks of InputFile still keep
  // a FIFO or a device from being opened at all.
  const InputFile file = InputFile::open(path, "a weights file (.safetensors)", UINT64_MAX);
  size_ = static_cast<size_t>(file.size());
  if (size_ > 0) {
    // MAP_PRIVATE + PROT_WRITE: tensors handed out as views may be written to in place without
    // touching the file (copy-on-write) and without crashing on a read-only page.
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, file.fd(), 0);
    if (p == MAP_FAILED) throw Error(system_error(path, "cannot map"));
    data_ = static_cast<uint8_t*>(p);
  }
  // The mapping holds its own reference to the file; `file` closes the descriptor.
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace palette
