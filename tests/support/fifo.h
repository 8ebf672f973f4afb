// A FIFO for tests of code that must refuse one without opening it. Should the code open it for
// reading anyway, that open would wait for a writer for ever; after `grace` a writer comes, opens
// and closes it, so the code reads an empty file and the test fails instead of hanging.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace palette::test {

class GuardedFifo {
 public:
  explicit GuardedFifo(std::filesystem::path path, std::chrono::milliseconds grace = std::chrono::seconds(3));
  ~GuardedFifo();
  GuardedFifo(const GuardedFifo&) = delete;
  GuardedFifo& operator=(const GuardedFifo&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool reader_was_unblocked() const { return unblocked_; }  // true: the code under test opened it

 private:
  std::filesystem::path path_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> unblocked_{false};
  std::thread writer_;
};

}  // namespace palette::test
