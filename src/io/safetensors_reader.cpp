#include <cstring>

#include "io/mapped_file.h"
#include "io/safetensors_format.h"
#include "models/out_of_memory.h"
#include "palette/error.h"
#include "palette/safetensors.h"

namespace palette {

namespace {

uint64_t read_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// PyTorch's .ckpt/.pt/.bin files are pickles (raw, or zipped since PyTorch 1.6). Their first bytes
// read as an absurd header length, so name the format rather than that number.
void refuse_pickle(const uint8_t* data, uint64_t size, const std::string& where) {
  const bool zip = size >= 4 && std::memcmp(data, "PK\x03\x04", 4) == 0;
  const bool pickle = size >= 2 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5;  // PROTO 2…5
  if (zip || pickle)
    throw Error("'" + where + "': this is a PyTorch pickle checkpoint (" + (zip ? "a zip archive" : "a raw pickle") +
                "), not safetensors; convert it to .safetensors (for example with diffusers' conversion scripts "
                "or safetensors.torch.save_file); pickles can run code when loaded, so they are never read here");
}

}  // namespace

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  SafetensorsFile file;
  file.path_ = path;
  auto mapping = std::make_shared<const MappedFile>(path);
  const std::string where = path.string();
  const uint64_t size = mapping->size();
  if (size < 8)
    throw Error("'" + where + "': truncated: " + std::to_string(size) +
                " bytes, but a safetensors file starts with an 8-byte header length");
  refuse_pickle(mapping->data(), size, where);
  const uint64_t header_size = read_le64(mapping->data());
  if (header_size > size - 8)
    throw Error("'" + where + "': not a safetensors file (or a truncated one): its first 8 bytes give a header length of " +
                std::to_string(header_size) + ", but the file has " + std::to_string(size) + " bytes");
  if (header_size > safetensors::kMaxHeaderBytes)
    throw Error("'" + where + "': header length " + std::to_string(header_size) + " is over the " +
                std::to_string(safetensors::kMaxHeaderBytes) + "-byte limit");

  const char* header_text = reinterpret_cast<const char*>(mapping->data() + 8);
  safetensors::Header header =
      safetensors::parse_header({header_text, header_size}, size - 8 - header_size, where);
  file.metadata_ = std::move(header.metadata);
  file.entries_ = std::move(header.entries);
  for (size_t i = 0; i < file.entries_.size(); ++i) file.index_[file.entries_[i].name] = i;
  file.data_ = mapping->data() + 8 + header_size;
  file.mapping_ = std::move(mapping);
  return file;
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) != 0; }

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw Error("'" + path_.string() + "': no tensor named '" + name + "'");
  return entries_[it->second];
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& e : entries_) names.push_back(e.name);
  return names;
}

torch::Tensor SafetensorsFile::load(const std::string& name, const torch::TensorOptions& options) const {
  const SafetensorsEntry& e = entry(name);
  const auto* spec = safetensors::find_dtype(e.dtype);
  uint8_t* bytes = const_cast<uint8_t*>(data_) + e.begin;  // the mapping is private and writable
  const auto stored = torch::TensorOptions().dtype(e.dtype == torch::kBool ? torch::kUInt8 : e.dtype);

  torch::Tensor tensor;
  if (e.begin == e.end) {
    tensor = torch::empty(e.shape, stored);
  } else if (reinterpret_cast<uintptr_t>(bytes) % spec->size == 0) {
    // Zero-copy: the tensor shares the mapping and keeps it alive through the deleter.
    auto keep = mapping_;
    tensor = torch::from_blob(bytes, e.shape, [keep](void*) {}, stored);
  } else {
    // Misaligned data (the format does not promise alignment): copy into aligned storage.
    tensor = torch::empty(e.shape, stored);
    std::memcpy(tensor.data_ptr(), bytes, e.end - e.begin);
  }
  // BOOL bytes other than 0/1 are undefined behaviour in torch; normalise instead of trusting them.
  if (e.dtype == torch::kBool) tensor = tensor.ne(0);

  const torch::Dtype dtype = options.has_dtype() ? c10::typeMetaToScalarType(options.dtype()) : e.dtype;
  const torch::Device device = options.has_device() ? options.device() : torch::Device(torch::kCPU);
  try {
    return tensor.to(device, dtype);
  } catch (const c10::Error& err) {
    throw Error("'" + path_.string() + "': tensor '" + name + "': cannot move to " + device.str() + " as " +
                    std::string(c10::toString(dtype)) + ": " + err.what_without_backtrace(),
                is_out_of_memory(err) ? ErrorKind::OutOfMemory : ErrorKind::BadInput);
  }
}

std::map<std::string, torch::Tensor> SafetensorsFile::load_all(const torch::TensorOptions& options) const {
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& e : entries_) tensors.emplace(e.name, load(e.name, options));
  return tensors;
}

}  // namespace palette
