// The parts of the safetensors format that need no file: dtype names and sizes, and parsing and
// validating the JSON header against the size of the data section.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "palette/safetensors.h"

namespace palette::safetensors {

struct DtypeSpec {
  const char* name;     // safetensors spelling, e.g. "BF16"
  torch::Dtype dtype;
  size_t size;          // bytes per element
};

const DtypeSpec* find_dtype(std::string_view name);   // null when unsupported
const DtypeSpec* find_dtype(torch::Dtype dtype);      // null when unsupported

// A header larger than this is refused rather than parsed (the reference library's limit).
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

struct Header {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsEntry> entries;  // sorted by begin offset
};

// Parses and validates `json` (the header text). `data_size` is the byte count of the data section
// that follows it; `where` prefixes every error message (the file's name).
// Throws palette::Error on invalid JSON, a malformed entry, an unsupported dtype, a byte count that
// does not match the shape, or offsets out of range or overlapping.
Header parse_header(std::string_view json, uint64_t data_size, const std::string& where);

}  // namespace palette::safetensors
