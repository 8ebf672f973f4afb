// Files a user hands us (weights, pictures, layouts, configs), opened only once they are known to be
// what a reader can finish: a regular file of bounded size. A FIFO would block the open or the read
// for ever, a device would stream without end, and a folder has nothing to read; each is refused
// from stat(), before anything is opened.
//
//   const std::string text = palette::read_input_file("a.json", "a layout file", 64 << 20);
//   palette::InputFile f = palette::InputFile::open("w.safetensors", "a weights file", UINT64_MAX);
//   ::mmap(nullptr, f.size(), PROT_READ, MAP_PRIVATE, f.fd(), 0);
//
// Errors: palette::Error, one line, "'<path>': <problem> (expected <what>)"; "'<path>': no such file"
// when it is missing. Thread safety: free functions and a move-only handle without shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace palette {

// A read-only descriptor on a checked regular file; closed by the destructor.
class InputFile {
 public:
  // Throws palette::Error when `path` is missing, unreadable, not a regular file (a folder, FIFO,
  // socket or device; symbolic links are followed) or larger than `max_bytes`. `what` names what
  // was expected ("a safetensors file") in those messages; `limit_reason`, when given, says in the
  // size message why the limit is what it is.
  static InputFile open(const std::filesystem::path& path, const std::string& what, uint64_t max_bytes,
                        const std::string& limit_reason = "");
  ~InputFile();
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&&) = delete;
  InputFile(const InputFile&) = delete;

  int fd() const { return fd_; }                          // valid until destruction
  uint64_t size() const { return size_; }                 // as checked at open
  std::string read_all() const;                           // throws palette::Error on a read error or a size change

 private:
  InputFile(int fd, uint64_t size, std::filesystem::path path) : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_ = -1;
  uint64_t size_ = 0;
  std::filesystem::path path_;
};

// InputFile::open(path, what, max_bytes, limit_reason).read_all().
std::string read_input_file(const std::filesystem::path& path, const std::string& what, uint64_t max_bytes,
                            const std::string& limit_reason = "");

}  // namespace palette
