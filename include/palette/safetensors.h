// Reading and writing safetensors files (https://github.com/huggingface/safetensors format):
// an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, and
// an optional "__metadata__" of string→string}, then the raw little-endian tensor bytes.
//
//   auto file = palette::SafetensorsFile::open("unet.safetensors");      // validates the whole header
//   torch::Tensor w = file.load("conv_in.weight", torch::dtype(torch::kFloat32).device(torch::kCUDA));
//   palette::save_safetensors("out.safetensors", {{"w", w}}, {{"note", "hello"}});
//
// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
// Failures: every function throws palette::Error with a message that names the file and the problem
// (and the tensor, where one is at fault). A file that opens without error has a fully validated
// header: every tensor's dtype is supported, its byte count matches its shape, and its bytes lie
// inside the file without overlapping another tensor's.
// Thread safety: a SafetensorsFile is immutable after open(); its const methods may be called from
// several threads at once.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace palette {

struct SafetensorsEntry {
  std::string name;
  torch::Dtype dtype;             // as stored
  std::vector<int64_t> shape;
  uint64_t begin = 0;             // byte offsets into the data section, end exclusive
  uint64_t end = 0;
};

class MappedFile;

class SafetensorsFile {
 public:
  // Maps the file read-only and validates its header. Throws palette::Error.
  static SafetensorsFile open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }  // "__metadata__"
  const std::vector<SafetensorsEntry>& entries() const { return entries_; }  // sorted by offset
  bool contains(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;  // throws if absent, naming it
  std::vector<std::string> names() const;                        // in file order

  // A tensor of its stored shape, converted to the dtype and device of `options` (stored dtype and
  // CPU where `options` leaves them unset). The result owns its storage: on CPU in the stored
  // dtype it is a copy-on-write view of the mapping that keeps the mapping alive, so it stays valid
  // after this SafetensorsFile is destroyed and writing to it never touches the file.
  torch::Tensor load(const std::string& name, const torch::TensorOptions& options = {}) const;
  std::map<std::string, torch::Tensor> load_all(const torch::TensorOptions& options = {}) const;

 private:
  std::filesystem::path path_;
  std::shared_ptr<const MappedFile> mapping_;
  const uint8_t* data_ = nullptr;   // start of the data section inside mapping_
  std::map<std::string, std::string> metadata_;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, size_t> index_;
};

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Writes `tensors` (any device, any supported dtype, any strides) in the given order, with
// `metadata` as "__metadata__". Atomic: the file appears complete under `path` or not at all.
// Throws palette::Error on an unsupported dtype, a duplicate or empty name, or an I/O failure.
void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Name of a dtype in safetensors' spelling ("F32"); throws palette::Error when it has none.
std::string safetensors_dtype_name(torch::Dtype dtype);

}  // namespace palette
