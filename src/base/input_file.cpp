#include "palette/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "palette/error.h"

namespace palette {

namespace {

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "': "; }

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a plain file";
}

[[noreturn]] void refuse_kind(const std::filesystem::path& path, mode_t mode, const std::string& what) {
  throw Error(quoted(path) + kind_of(mode) + ", not a regular file (expected " + what + ")");
}

}  // namespace

InputFile InputFile::open(const std::filesystem::path& path, const std::string& what, uint64_t max_bytes,
                          const std::string& limit_reason) {
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw Error(quoted(path) + "no such file");
    throw Error(quoted(path) + "cannot read (" + std::strerror(errno) + ")");
  }
  if (!S_ISREG(before.st_mode)) refuse_kind(path, before.st_mode, what);
  const auto size = static_cast<uint64_t>(before.st_size);
  if (size > max_bytes)
    throw Error(quoted(path) + std::to_string(size) + " bytes is above the limit of " + std::to_string(max_bytes) +
                " for " + what + (limit_reason.empty() ? "" : " (" + limit_reason + ")"));
  // O_NONBLOCK: should the name have been swapped for a FIFO since the stat, the open returns at
  // once instead of waiting for a writer, and the fstat below refuses it. Regular files ignore it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) throw Error(quoted(path) + "cannot open (" + std::strerror(errno) + ")");
  struct stat after {};
  if (::fstat(fd, &after) != 0 || !S_ISREG(after.st_mode) || after.st_ino != before.st_ino ||
      after.st_dev != before.st_dev || static_cast<uint64_t>(after.st_size) > max_bytes) {
    ::close(fd);
    throw Error(quoted(path) + "changed while being opened (expected " + what + ")");
  }
  return InputFile(fd, static_cast<uint64_t>(after.st_size), path);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

InputFile::InputFile(InputFile&& other) noexcept : fd_(other.fd_), size_(other.size_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

std::string InputFile::read_all() const {
  std::string bytes(size_, '\0');
  uint64_t done = 0;
  while (done < size_) {
    const ssize_t n = ::pread(fd_, bytes.data() + done, size_ - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(quoted(path_) + "cannot read (" + std::strerror(errno) + ")");
    if (n == 0) throw Error(quoted(path_) + "changed while being read (it became shorter)");
    done += uint64_t(n);
  }
  return bytes;
}

std::string read_input_file(const std::filesystem::path& path, const std::string& what, uint64_t max_bytes,
                            const std::string& limit_reason) {
  return InputFile::open(path, what, max_bytes, limit_reason).read_all();
}

}  // namespace palette
