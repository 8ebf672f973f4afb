#include <nlohmann/json.hpp>
#include <set>

#include "base/atomic_write.h"
#include "io/safetensors_format.h"
#include "palette/error.h"
#include "palette/safetensors.h"

namespace palette {

std::string safetensors_dtype_name(torch::Dtype dtype) {
  const auto* spec = safetensors::find_dtype(dtype);
  if (spec == nullptr)
    throw Error("safetensors has no dtype for " + std::string(c10::toString(dtype)));
  return spec->name;
}

void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string where = "'" + path.string() + "': ";
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;

  std::vector<torch::Tensor> contiguous;
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__") throw Error(where + "invalid tensor name '" + name + "'");
    if (!seen.insert(name).second) throw Error(where + "tensor '" + name + "' is given twice");
    if (!tensor.defined()) throw Error(where + "tensor '" + name + "' is undefined");
    const auto* spec = safetensors::find_dtype(tensor.scalar_type());
    if (spec == nullptr)
      throw Error(where + "tensor '" + name + "': safetensors has no dtype for " +
                  std::string(c10::toString(tensor.scalar_type())));
    torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(cpu.numel()) * spec->size;
    header[name] = {{"dtype", spec->name}, {"shape", cpu.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(std::move(cpu));
  }

  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data section 8-byte aligned
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(uint64_t(text.size()) >> (8 * i));

  write_file_atomically(path, [&](std::FILE* out) {
    write_bytes(out, length, sizeof length, path);
    write_bytes(out, text.data(), text.size(), path);
    for (const torch::Tensor& t : contiguous) write_bytes(out, t.data_ptr(), t.nbytes(), path);
  });
}

}  // namespace palette
