#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "palette/error.h"

namespace palette {

namespace {
std::string system_error(const std::filesystem::path& path, const char* what) {
  return "'" + path.string() + "': " + what + ": " + std::strerror(errno);
}
}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(system_error(path, "cannot open"));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string message = system_error(path, "cannot stat");
    ::close(fd);
    throw Error(message);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("'" + path.string() + "': not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    // MAP_PRIVATE + PROT_WRITE: tensors handed out as views may be written to in place without
    // touching the file (copy-on-write) and without crashing on a read-only page.
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const std::string message = system_error(path, "cannot map");
      ::close(fd);
      throw Error(message);
    }
    data_ = static_cast<uint8_t*>(p);
  }
  ::close(fd);  // the mapping holds its own reference to the file
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace palette
