// palette::Error — the one exception type the engine throws for failures a user can cause
// (a missing or corrupt file, a bad tensor, a bad request). Its message names the file, tensor or
// field and the problem, in one line, ready to show to the user as is.
//
//   try { auto f = palette::SafetensorsFile::open("model.safetensors"); }
//   catch (const palette::Error& e) { std::cerr << e.what() << "\n"; }
//
// Thread safety: plain value type.
#pragma once

#include <stdexcept>
#include <string>

namespace palette {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace palette
