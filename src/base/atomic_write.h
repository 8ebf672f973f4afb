// Writing a file so that a crash or a full disk never leaves a half-written file under its name:
// the bytes go to a temporary file beside it (<name>.tmp-<pid>-<n>), which is flushed to disk and
// then renamed over it. An existing file keeps its permissions; a symbolic link is followed and
// stays a link; a file with several hard links is updated in place once the temporary is complete,
// so every name sees the new contents. Temporaries left by a killed process are removed by the next
// save to the same name.
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>

namespace palette {

// Calls `write` with a stream opened on a temporary file in the target's folder, then makes the
// result visible under `path` atomically. If `write` throws or any I/O fails, the temporary file is
// removed, `path` keeps its old contents (or stays absent), and palette::Error (or the exception
// thrown by `write`) propagates. `path` naming a folder or another non-regular file is an Error.
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::FILE*)>& write);

// fwrite that throws palette::Error naming `path` on a short write.
void write_bytes(std::FILE* out, const void* data, size_t size, const std::filesystem::path& path);

}  // namespace palette
