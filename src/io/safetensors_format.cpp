#include "io/safetensors_format.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/json_brief.h"
#include "palette/error.h"
#include "palette/json_input.h"

namespace palette::safetensors {

namespace {

constexpr DtypeSpec kDtypes[] = {
    {"F64", torch::kFloat64, 8}, {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8}, {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},   {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw Error("'" + where + "': " + what);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::map<std::string, std::string> parse_metadata(const json& value, const std::string& where) {
  if (!value.is_object()) fail(where, "\"__metadata__\" must be an object of strings");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) fail(where, "\"__metadata__\" value of '" + key + "' is not a string");
    metadata[key] = v.get<std::string>();
  }
  return metadata;
}

uint64_t parse_offset(const json& v, const std::string& where, const std::string& name) {
  if (!v.is_number_unsigned()) fail(where, "tensor '" + name + "': data_offsets must be non-negative integers");
  return v.get<uint64_t>();
}

SafetensorsEntry parse_entry(const std::string& name, const json& value, uint64_t data_size,
                             const std::string& where) {
  const std::string tensor = "tensor '" + name + "': ";
  if (!value.is_object()) fail(where, tensor + "entry is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!value.contains(key)) fail(where, tensor + "missing \"" + key + "\"");

  const json& dtype = value["dtype"];
  if (!dtype.is_string()) fail(where, tensor + "\"dtype\" is not a string");
  const DtypeSpec* spec = find_dtype(dtype.get<std::string>());
  if (spec == nullptr) fail(where, tensor + "unsupported dtype '" + dtype.get<std::string>() + "'");

  SafetensorsEntry entry{name, spec->dtype, {}, 0, 0};
  const json& shape = value["shape"];
  if (!shape.is_array()) fail(where, tensor + "\"shape\" is not an array");
  uint64_t bytes = spec->size;
  for (const json& d : shape) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(INT64_MAX))
      fail(where, tensor + "shape " + json_brief(shape) + " has a dimension that is not a non-negative integer");
    if (__builtin_mul_overflow(bytes, d.get<uint64_t>(), &bytes))
      fail(where, tensor + "shape " + json_brief(shape) + " is too large");
    entry.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }

  const json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2)
    fail(where, tensor + "\"data_offsets\" must be [begin, end]");
  entry.begin = parse_offset(offsets[0], where, name);
  entry.end = parse_offset(offsets[1], where, name);
  const std::string range = "[" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "]";
  if (entry.begin > entry.end) fail(where, tensor + "data_offsets " + range + " end before they begin");
  if (entry.end > data_size)
    fail(where, tensor + "data_offsets " + range + " lie past the end of the data (" +
                    std::to_string(data_size) + " bytes; the file may be truncated)");
  if (entry.end - entry.begin != bytes)
    fail(where, tensor + "shape " + shape_text(entry.shape) + " of " + spec->name + " needs " +
                    std::to_string(bytes) + " bytes but data_offsets " + range + " hold " +
                    std::to_string(entry.end - entry.begin));
  return entry;
}

}  // namespace

const DtypeSpec* find_dtype(std::string_view name) {
  for (const DtypeSpec& spec : kDtypes)
    if (name == spec.name) return &spec;
  return nullptr;
}

const DtypeSpec* find_dtype(torch::Dtype dtype) {
  for (const DtypeSpec& spec : kDtypes)
    if (dtype == spec.dtype) return &spec;
  return nullptr;
}

Header parse_header(std::string_view text, uint64_t data_size, const std::string& where) {
  json root;
  try {
    // Bounded as every user file is; it also refuses a tensor name given twice (of which the
    // parsed tree would silently keep the last).
    root = parse_bounded_json(text, {64, 4'000'000});
  } catch (const Error& e) {
    fail(where, std::string("header: ") + e.what());
  }
  if (!root.is_object()) fail(where, "header is not a JSON object");

  Header header;
  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") {
      header.metadata = parse_metadata(value, where);
      continue;
    }
    header.entries.push_back(parse_entry(name, value, data_size, where));
  }
  std::sort(header.entries.begin(), header.entries.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  // Zero-byte tensors occupy no bytes and cannot overlap anything.
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry& e : header.entries) {
    if (e.begin == e.end) continue;
    if (previous != nullptr && e.begin < previous->end)
      fail(where, "tensor '" + e.name + "' (bytes " + std::to_string(e.begin) + "-" + std::to_string(e.end) +
                      ") overlaps tensor '" + previous->name + "' (bytes " + std::to_string(previous->begin) +
                      "-" + std::to_string(previous->end) + ")");
    previous = &e;
  }
  return header;
}

}  // namespace palette::safetensors
