// Writing a file so that a crash or a full disk never leaves a half-written file under its name:
// the bytes go to a temporary file beside it, which is flushed to disk and then renamed over it.
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>

namespace palette {

// Calls `write` with a stream opened on a temporary file in the target's folder, then makes the
// result visible under `path` atomically. If `write` throws or any I/O fails, the temporary file is
// removed, `path` keeps its old contents (or stays absent), and palette::Error (or the exception
// thrown by `write`) propagates.
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::FILE*)>& write);

// fwrite that throws palette::Error naming `path` on a short write.
void write_bytes(std::FILE* out, const void* data, size_t size, const std::filesystem::path& path);

}  // namespace palette
