#include "models/out_of_memory.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <new>
#include <optional>

namespace palette {
namespace {

// The kind of what `body` throws, as a caller that knows only palette::Error sees it.
template <typename Body>
std::optional<ErrorKind> kind_thrown(Body body) {
  try {
    with_memory_errors(body);
  } catch (const Error& e) {
    return e.kind();
  }
  return std::nullopt;
}

TEST(OutOfMemory, TorchAllocatorFailuresBecomeTheOutOfMemoryKind) {
  EXPECT_EQ(kind_thrown([] {
              TORCH_CHECK_WITH(OutOfMemoryError, false, "CUDA out of memory. Tried to allocate 2 GiB");
            }),
            ErrorKind::OutOfMemory);
  EXPECT_EQ(kind_thrown([] { TORCH_CHECK(false, "CUDA error: out of memory"); }), ErrorKind::OutOfMemory);
  EXPECT_EQ(kind_thrown([] {
              TORCH_CHECK(false, "DefaultCPUAllocator: not enough memory: you tried to allocate 8");
            }),
            ErrorKind::OutOfMemory);
  EXPECT_EQ(kind_thrown([] { throw std::bad_alloc(); }), ErrorKind::OutOfMemory);
  // A real one: no CPU has 4 EiB to give.
  EXPECT_EQ(kind_thrown([] { return torch::empty({int64_t(1) << 62}, torch::kByte); }),
            ErrorKind::OutOfMemory);
  try {
    with_memory_errors([] { TORCH_CHECK_WITH(OutOfMemoryError, false, "CUDA out of memory"); });
    FAIL() << "no error";
  } catch (const OutOfMemory& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA out of memory"), std::string::npos)
        << "the allocator's message";
  }
}

TEST(OutOfMemory, OtherFailuresPassUnchanged) {
  EXPECT_THROW(with_memory_errors([] { TORCH_CHECK(false, "shapes do not match"); }), c10::Error);
  EXPECT_EQ(kind_thrown([] { throw Cancelled(); }), ErrorKind::Cancelled);
  EXPECT_EQ(kind_thrown([] { throw Error("layers[2].mask: empty"); }), ErrorKind::BadInput);
  EXPECT_EQ(with_memory_errors([] { return 7; }), 7);
}

TEST(OutOfMemory, ContextOnTheWayUpKeepsTheKind) {
  const c10::OutOfMemoryError torch_oom({__func__, __FILE__, __LINE__}, "CUDA out of memory");
  EXPECT_EQ(error_kind(torch_oom), ErrorKind::OutOfMemory);
  EXPECT_EQ(error_kind(std::bad_alloc()), ErrorKind::OutOfMemory);
  EXPECT_EQ(error_kind(Cancelled()), ErrorKind::Cancelled);
  EXPECT_EQ(error_kind(std::runtime_error("out of memory, says a message")), ErrorKind::BadInput)
      << "only the allocators' own errors are read";
  const OutOfMemory oom("CUDA out of memory");
  const Error wrapped(std::string("the UNet's ") + oom.what(), oom.kind());
  EXPECT_EQ(wrapped.kind(), ErrorKind::OutOfMemory);
  EXPECT_EQ(Error("plain").kind(), ErrorKind::BadInput);
}

}  // namespace
}  // namespace palette
