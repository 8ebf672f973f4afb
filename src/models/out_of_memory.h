// Where the engine meets the allocators: LibTorch's and the C++ runtime's out-of-memory failures
// become palette::OutOfMemory, so that callers (the app's smaller-picture and CPU fallbacks) decide on
// ErrorKind and never on a message.
//
//   return with_memory_errors([&] { return engine.step(); });
//
// Thread safety: stateless.
#pragma once

#include <c10/util/Exception.h>

#include <exception>
#include <new>
#include <string>
#include <utility>

#include "palette/error.h"

namespace palette {

// Torch reports a CUDA allocator failure as c10::OutOfMemoryError, but a failed cudaMalloc inside a
// kernel or library call ("CUDA error: out of memory", cuBLAS' alloc failure) and its CPU allocator's
// failure only as c10::Error with that text: this is the one place such a message is read.
inline bool is_out_of_memory(const c10::Error& e) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) != nullptr) return true;
  const std::string& m = e.msg();
  for (const char* text :
       {"out of memory", "CUBLAS_STATUS_ALLOC_FAILED", "can't allocate memory", "not enough memory"})
    if (m.find(text) != std::string::npos) return true;
  return false;
}

// The kind a failure keeps when it is given context on its way up.
inline ErrorKind error_kind(const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return error->kind();
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e))
    return is_out_of_memory(*c10_error) ? ErrorKind::OutOfMemory : ErrorKind::BadInput;
  return dynamic_cast<const std::bad_alloc*>(&e) != nullptr ? ErrorKind::OutOfMemory : ErrorKind::BadInput;
}

// Runs `body`; an allocator failure leaves as palette::OutOfMemory with the allocator's message.
template <typename Body>
decltype(auto) with_memory_errors(Body&& body) {
  try {
    return std::forward<Body>(body)();
  } catch (const c10::Error& e) {
    if (!is_out_of_memory(e)) throw;
    throw OutOfMemory(e.what());
  } catch (const std::bad_alloc& e) {
    throw OutOfMemory(e.what());
  }
}

}  // namespace palette
