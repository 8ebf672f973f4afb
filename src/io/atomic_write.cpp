#include "io/atomic_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "palette/error.h"

namespace palette {

namespace {

std::string describe(const std::filesystem::path& path, const std::string& what) {
  return "cannot write '" + path.string() + "': " + what + ": " + std::strerror(errno);
}

// Makes the rename itself durable; failure here is harmless, so it is not reported.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

void write_bytes(std::FILE* out, const void* data, size_t size, const std::filesystem::path& path) {
  if (size > 0 && std::fwrite(data, 1, size, out) != size) throw Error(describe(path, "write failed"));
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::FILE*)>& write) {
  // open(O_EXCL, 0666) rather than mkstemp: the file gets the permissions a plain create would
  // (mkstemp's 0600, fixed afterwards, would need the process-wide umask, which is racy to read).
  static std::atomic<unsigned> counter{0};
  int fd = -1;
  std::string tmp_name;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp_name = path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd = ::open(tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) throw Error(describe(path, "cannot create a temporary file beside it"));
  std::FILE* out = ::fdopen(fd, "wb");
  if (out == nullptr) {
    ::close(fd);
    ::unlink(tmp_name.c_str());
    throw Error(describe(path, "cannot open the temporary file"));
  }
  try {
    write(out);
    if (std::fflush(out) != 0) throw Error(describe(path, "flush failed"));
    if (::fsync(::fileno(out)) != 0) throw Error(describe(path, "fsync failed"));
  } catch (...) {
    std::fclose(out);
    ::unlink(tmp_name.c_str());
    throw;
  }
  if (std::fclose(out) != 0) {
    ::unlink(tmp_name.c_str());
    throw Error(describe(path, "close failed"));
  }
  if (std::rename(tmp_name.c_str(), path.c_str()) != 0) {
    const std::string message = describe(path, "rename failed");
    ::unlink(tmp_name.c_str());
    throw Error(message);
  }
  sync_directory(path.parent_path());
}

}  // namespace palette
