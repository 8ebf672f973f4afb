#include "models/single_file_fixture.h"

#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <vector>

#include "support/fixtures.h"

namespace palette::test {
namespace {

TensorMap load_file(const std::filesystem::path& p) { return SafetensorsFile::open(p).load_all(); }

// tiny-sd21 has none: diffusers' SD script recognises SD 2 only by a 23rd text encoder layer, so it cannot
// convert a tiny OpenCLIP text encoder.
std::optional<std::filesystem::path> recorded_layout(const std::string& name) {
  static const std::map<std::string, std::string> files = {{"tiny-sd15", "sd15_single_file_layout.json"},
                                                           {"tiny-sdxl", "sdxl_single_file_layout.json"}};
  const auto it = files.find(name);
  if (it == files.end()) return std::nullopt;
  return std::filesystem::path(PALETTE_SOURCE_DIR) / "tests" / "data" / it->second;
}

}  // namespace

checkpoint::Components components_of(const std::filesystem::path& dir) {
  checkpoint::Components c;
  c.unet = load_file(dir / "unet" / "diffusion_pytorch_model.safetensors");
  c.vae = load_file(dir / "vae" / "diffusion_pytorch_model.safetensors");
  for (const auto& [n, t] : load_file(dir / "text_encoder" / "model.safetensors"))
    c.text_encoder[n.rfind("text_model.", 0) == 0 ? n : "text_model." + n] = t;
  if (std::filesystem::exists(dir / "text_encoder_2"))  // SDXL: already under transformers' names
    c.text_encoder_2 = load_file(dir / "text_encoder_2" / "model.safetensors");
  return c;
}

TensorMap diffusers_single_file(const std::string& name) {
  const auto layout_path = recorded_layout(name);
  if (!layout_path) throw std::runtime_error("no recorded diffusers single-file layout for '" + name + "'");
  const auto layout = nlohmann::json::parse(read_raw(*layout_path));
  // The layout's source names belong to the folder it was recorded from; another folder would not fit them.
  if (layout.at("from_folder") != name)
    throw std::runtime_error(layout_path->string() + " was recorded from " + layout.at("from_folder").dump() +
                             ", not '" + name + "'");
  const auto dir = fixtures_dir() / name;
  std::map<std::string, TensorMap> files;  // by the layout's relative path, loaded once
  TensorMap out;
  for (const auto& [key, entry] : layout.at("tensors").items()) {
    std::vector<torch::Tensor> sources;
    for (const auto& from : entry.at("from")) {
      const auto file = from.at(0).get<std::string>(), tensor = from.at(1).get<std::string>();
      auto loaded = files.find(file);
      if (loaded == files.end()) loaded = files.emplace(file, load_file(dir / file)).first;
      const auto it = loaded->second.find(tensor);
      if (it == loaded->second.end())
        throw std::runtime_error("'" + key + "': source tensor '" + tensor + "' is not in " + (dir / file).string());
      sources.push_back(it->second);
    }
    const std::string op = entry.at("op").get<std::string>();
    const auto shape = entry.at("shape").get<std::vector<int64_t>>();
    torch::Tensor t;
    if (op == "copy" && sources.size() == 1) {
      t = sources[0];
    } else if (op == "transpose" && sources.size() == 1 && sources[0].dim() == 2) {
      t = sources[0].t().contiguous();
    } else if (op == "concat" && !sources.empty()) {
      std::vector<torch::Tensor> flat;  // recorded as one run of values after another, whatever their shapes
      for (const auto& source : sources) flat.push_back(source.reshape(-1));
      t = torch::cat(flat, 0);
    } else if (op == "empty" && sources.empty()) {
      t = torch::empty({0});
    } else {
      throw std::runtime_error("'" + key + "': cannot apply op '" + op + "' to " + std::to_string(sources.size()) +
                               " source tensor(s)");
    }
    int64_t numel = 1;
    for (const auto d : shape) numel *= d;
    if (t.numel() != numel)
      throw std::runtime_error("'" + key + "': " + std::to_string(t.numel()) + " elements from its sources, " +
                               std::to_string(numel) + " in its recorded shape");
    out[key] = t.reshape(shape);
  }
  return out;
}

namespace {

std::filesystem::path save(const TempDir& tmp, const std::string& file, const TensorMap& original) {
  const auto path = tmp / file;
  NamedTensors tensors(original.begin(), original.end());
  save_safetensors(path, tensors);
  return path;
}

}  // namespace

std::filesystem::path write_single_file(const TempDir& tmp, const std::string& name,
                                        checkpoint::TextEncoderLayout layout,
                                        const std::function<void(TensorMap&)>& edit) {
  auto original = recorded_layout(name) ? diffusers_single_file(name)
                                        : checkpoint::to_original(components_of(fixtures_dir() / name), layout);
  if (edit) edit(original);
  return save(tmp, name + ".safetensors", original);
}

std::filesystem::path write_released_single_file(const TempDir& tmp, const std::string& name,
                                                 checkpoint::TextEncoderLayout layout) {
  return save(tmp, name + "-released.safetensors",
              checkpoint::to_original(components_of(fixtures_dir() / name), layout));
}

}  // namespace palette::test
