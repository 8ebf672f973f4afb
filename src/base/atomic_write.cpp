#include "base/atomic_write.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "palette/error.h"

namespace palette {

namespace {

constexpr const char* kTempInfix = ".tmp-";  // <name>.tmp-<pid>-<counter>

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

// The file the bytes belong in: a symbolic link is followed (hop by hop, so a link to a file not
// made yet works too) and stays a link; writing over it would turn it into a plain file.
std::filesystem::path resolve_links(const std::filesystem::path& path) {
  std::filesystem::path at = path;
  for (int hop = 0; hop < 40; ++hop) {
    std::error_code error;
    if (!std::filesystem::is_symlink(std::filesystem::symlink_status(at, error))) return at;
    const std::filesystem::path target = std::filesystem::read_symlink(at, error);
    if (error) return at;
    at = target.is_absolute() ? target : at.parent_path() / target;
  }
  errno = ELOOP;
  throw Error(describe(path, "cannot follow its symbolic links"));
}

// Temporaries a killed save left behind (kill -9, power loss) under this target's name. Only those
// whose process is gone: a live one may be another program mid-save. A reused process id keeps a
// temporary until a later save finds it gone.
void remove_stale_temporaries(const std::filesystem::path& target) {
  const std::string prefix = target.filename().string() + kTempInfix;
  std::error_code error;
  const std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos ||
        rest.find_first_not_of("0123456789-") != std::string::npos || rest.find('-', dash + 1) != std::string::npos)
      continue;
    const long pid = std::strtol(rest.substr(0, dash).c_str(), nullptr, 10);
    if (pid <= 0 || pid == long(::getpid())) continue;
    if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH) ::unlink(it->path().c_str());
  }
}

// A hard-linked target: rename would give this name a new file and leave the other names on the
// old one. The complete temporary is copied into the existing file instead. That copy is not
// atomic, but it starts only once every byte is on disk in the temporary, which stays until the
// copy is synced: a crash in between leaves the complete new contents beside the target.
void copy_into(const std::filesystem::path& temp, const std::filesystem::path& target,
               const std::filesystem::path& named) {
  const int in = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw Error(describe(named, "cannot reopen the temporary file"));
  const int out = ::open(target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (out < 0) {
    const std::string message = describe(named, "cannot open it to update its hard-linked contents");
    ::close(in);
    throw Error(message);
  }
  char buffer[1 << 16];
  bool ok = true;
  for (ssize_t n; ok && (n = ::read(in, buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      ok = errno == EINTR;
      continue;
    }
    for (ssize_t done = 0; ok && done < n;) {
      const ssize_t w = ::write(out, buffer + done, size_t(n - done));
      if (w < 0 && errno == EINTR) continue;
      ok = w > 0;
      done += w > 0 ? w : 0;
    }
  }
  ok = ok && ::fsync(out) == 0;
  const std::string message = ok ? "" : describe(named, "copying into the hard-linked file failed");
  ::close(in);
  ::close(out);
  if (!ok) throw Error(message);
}

}  // namespace

void write_bytes(std::FILE* out, const void* data, size_t size, const std::filesystem::path& path) {
  if (size > 0 && std::fwrite(data, 1, size, out) != size) throw Error(describe(path, "write failed"));
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::FILE*)>& write) {
  const std::filesystem::path target = resolve_links(path);
  struct stat existing {};
  const bool exists = ::stat(target.c_str(), &existing) == 0;
  if (exists && !S_ISREG(existing.st_mode)) {
    errno = S_ISDIR(existing.st_mode) ? EISDIR : EINVAL;
    throw Error(describe(path, "not a regular file"));
  }
  remove_stale_temporaries(target);
  // open(O_EXCL, 0666) rather than mkstemp: a new file gets the permissions a plain create would
  // (mkstemp's 0600, fixed afterwards, would need the process-wide umask, which is racy to read).
  static std::atomic<unsigned> counter{0};
  int fd = -1;
  std::string tmp_name;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp_name = target.string() + kTempInfix + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd = ::open(tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) throw Error(describe(path, "cannot create a temporary file beside it"));
  // An existing file keeps its permissions (a private 0600 file must not become 0644).
  if (exists) ::fchmod(fd, existing.st_mode & 07777);
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
  if (exists && existing.st_nlink > 1) {
    copy_into(tmp_name, target, path);  // on failure the temporary stays: it holds the new contents
    ::unlink(tmp_name.c_str());
    return;
  }
  if (std::rename(tmp_name.c_str(), target.c_str()) != 0) {
    const std::string message = describe(path, "rename failed");
    ::unlink(tmp_name.c_str());
    throw Error(message);
  }
  sync_directory(target.parent_path());
}

}  // namespace palette
