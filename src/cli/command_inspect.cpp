// `palette inspect FILE`: the tensors and metadata of a safetensors file, as a table or JSON.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "palette/safetensors.h"

namespace palette::cli {

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void print_table(const SafetensorsFile& file) {
  uint64_t elements = 0, bytes = 0;
  for (const auto& [key, value] : file.metadata()) std::cout << "metadata " << key << " = " << value << "\n";
  for (const auto& e : file.entries()) {
    uint64_t n = 1;
    for (int64_t d : e.shape) n *= static_cast<uint64_t>(d);
    elements += n;
    bytes += e.end - e.begin;
    std::printf("%-60s %-5s %s\n", e.name.c_str(), safetensors_dtype_name(e.dtype).c_str(),
                shape_text(e.shape).c_str());
  }
  std::printf("%zu tensors, %llu elements, %.2f MiB\n", file.entries().size(),
              static_cast<unsigned long long>(elements), double(bytes) / (1 << 20));
}

void print_json(const SafetensorsFile& file) {
  nlohmann::ordered_json out;
  out["file"] = file.path().string();
  out["metadata"] = file.metadata();
  out["tensors"] = nlohmann::ordered_json::array();
  for (const auto& e : file.entries())
    out["tensors"].push_back({{"name", e.name}, {"dtype", safetensors_dtype_name(e.dtype)}, {"shape", e.shape}});
  std::cout << out.dump(2) << "\n";
}

}  // namespace

void add_inspect_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("inspect", "List the tensors and metadata of a .safetensors file");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("file", *path, "The .safetensors file")->required();
  cmd->add_flag("--json", *json, "Print JSON instead of a table");
  cmd->callback([path, json] {
    const SafetensorsFile file = SafetensorsFile::open(*path);
    *json ? print_json(file) : print_table(file);
  });
}

}  // namespace palette::cli
