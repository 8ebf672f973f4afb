// palette::read_class_phrasings: the phrasing file of `palette eval-default --phrasings`.
#include <nlohmann/json.hpp>

#include "io/json_config.h"
#include "palette/error.h"
#include "palette/input_file.h"
#include "palette/training.h"

namespace palette {

namespace {

constexpr uint64_t kMaxBytes = 1u << 20;  // a phrasing file is a few kilobytes of prompts
constexpr size_t kMaxPrompt = 1000;             // characters; CLIP reads 75 tokens of it anyway

std::string known_classes() {
  std::string s;
  for (int c = 0; c < kWorldClassCount; ++c) s += (c ? ", " : "") + world_class_name(static_cast<WorldClass>(c));
  return s;
}

}  // namespace

ClassPhrasings read_class_phrasings(const std::filesystem::path& file) {
  const std::string where = "phrasing file '" + file.string() + "'";
  const std::string text = read_input_file(file, "a phrasing file", kMaxBytes, "a phrasing file holds at most 1 MiB");
  const nlohmann::json root = parse_json(text, where);
  if (!root.is_object())
    throw Error(where + ": expected a JSON object {\"<class name>\": [\"prompt\", ...], ...}");
  if (root.empty()) throw Error(where + ": names no class (known: " + known_classes() + ")");
  ClassPhrasings out;
  for (const auto& [name, list] : root.items()) {
    const auto cls = world_class_from_name(name);
    if (!cls) throw Error(where + ": unknown class \"" + name + "\" (known: " + known_classes() + ")");
    if (!list.is_array()) throw Error(where + ": \"" + name + "\" must be a list of prompts");
    if (list.empty()) throw Error(where + ": \"" + name + "\" has an empty list; give at least one prompt");
    std::vector<std::string> prompts;
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& p = list[i];
      const std::string at = "\"" + name + "\" entry " + std::to_string(i + 1);
      if (!p.is_string()) throw Error(where + ": " + at + " must be text");
      const auto& prompt = p.get_ref<const std::string&>();
      if (prompt.find_first_not_of(" \t\r\n") == std::string::npos) throw Error(where + ": " + at + " is empty");
      if (prompt.size() > kMaxPrompt)
        throw Error(where + ": " + at + " has " + std::to_string(prompt.size()) + " characters (at most " +
                    std::to_string(kMaxPrompt) + ")");
      prompts.push_back(prompt);
    }
    out[*cls] = std::move(prompts);
  }
  return out;
}

}  // namespace palette
