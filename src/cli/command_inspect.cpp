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

// Names and metadata come from the file: a terminal would obey the escape sequences in them (move the
// cursor, retitle the window, …). Control characters (C0, DEL, C1) are shown as \xNN or \u00NN instead.
std::string terminal_safe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  char escaped[8];
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (byte < 0x20 || byte == 0x7F) {
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else if (byte == 0xC2 && next >= 0x80 && next <= 0x9F) {  // U+0080 … U+009F in UTF-8
      std::snprintf(escaped, sizeof escaped, "\\u%04x", next);
      out += escaped;
      ++i;
    } else {
      out += char(byte);
    }
  }
  return out;
}

void print_table(const SafetensorsFile& file) {
  uint64_t elements = 0, bytes = 0;
  for (const auto& [key, value] : file.metadata())
    std::cout << "metadata " << terminal_safe(key) << " = " << terminal_safe(value) << "\n";
  for (const auto& e : file.entries()) {
    uint64_t n = 1;
    for (int64_t d : e.shape) n *= static_cast<uint64_t>(d);
    elements += n;
    bytes += e.end - e.begin;
    std::printf("%-60s %-5s %s\n", terminal_safe(e.name).c_str(), safetensors_dtype_name(e.dtype).c_str(),
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
  // ASCII only: control characters of every kind (and all other non-ASCII text) as \\u escapes.
  std::cout << out.dump(2, ' ', /*ensure_ascii=*/true) << "\n";
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
