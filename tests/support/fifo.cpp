#include "support/fifo.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

namespace palette::test {

GuardedFifo::GuardedFifo(std::filesystem::path path, std::chrono::milliseconds grace) : path_(std::move(path)) {
  if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed: " + path_.string());
  writer_ = std::thread([this, grace] {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (std::chrono::steady_clock::now() < deadline) continue;
      // Succeeds only while a reader holds the FIFO open (ENXIO otherwise): that reader then sees
      // end of file.
      const int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) {
        unblocked_ = true;
        ::close(fd);
      }
    }
  });
}

GuardedFifo::~GuardedFifo() {
  stop_ = true;
  writer_.join();
}

}  // namespace palette::test
