// palette::Error — the one exception type the engine throws for failures a user can cause or must
// hear about (a missing or corrupt file, a bad tensor, a bad request, a device without the memory, a
// cancelled run). Its message names the file, tensor or field and the problem, in one line, ready to
// show to the user as is; its kind() says what the caller may do about it, so that no caller reads
// the message to decide.
//
//   try { auto f = palette::SafetensorsFile::open("model.safetensors"); }
//   catch (const palette::Error& e) { std::cerr << e.what() << "\n"; }
//
//   catch (const palette::Error& e) { if (e.kind() == palette::ErrorKind::OutOfMemory) retry_smaller(); }
//
// Decide on kind(), not on the class: a message given context on its way up (Error(where + e.what(),
// e.kind())) keeps its kind but is a plain Error.
// Thread safety: plain value type.
#pragma once

#include <stdexcept>
#include <string>

namespace palette {

enum class ErrorKind {
  BadInput,     // the request, a file or a value cannot be used: fix it and try again
  OutOfMemory,  // the device (GPU or CPU) had not the memory: the same request may run smaller or elsewhere
  Cancelled,    // the caller's cancel flag stopped the run; nothing partial is returned
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::BadInput)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Thrown where the engine ran out of device memory; what() is the allocator's own message.
class OutOfMemory : public Error {
 public:
  explicit OutOfMemory(const std::string& message) : Error(message, ErrorKind::OutOfMemory) {}
};

// Thrown by long-running engine calls whose cancel flag was raised; what() is "cancelled".
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled", ErrorKind::Cancelled) {}
};

}  // namespace palette
