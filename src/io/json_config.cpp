#include "io/json_config.h"

#include "base/json_brief.h"
#include "palette/error.h"
#include "palette/input_file.h"
#include "palette/json_input.h"

namespace palette {

namespace {
constexpr uint64_t kMaxConfigFileBytes = 16ull << 20;  // diffusers' configs are a few KiB
}  // namespace

nlohmann::json parse_json(const std::string& text, const std::string& where) {
  try {
    return parse_bounded_json(text);
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
}

JsonConfig JsonConfig::load(const std::filesystem::path& path) {
  const std::string text = read_input_file(path, "a JSON config file", kMaxConfigFileBytes);
  nlohmann::json root = parse_json(text, "'" + path.string() + "'");
  if (!root.is_object()) throw Error("'" + path.string() + "': not a JSON object");
  return JsonConfig(std::move(root), path.string());
}

JsonConfig::JsonConfig(nlohmann::json root, std::string where) : root_(std::move(root)), where_(std::move(where)) {}

void JsonConfig::fail(const std::string& key, const std::string& problem) const {
  throw Error("'" + where_ + "': \"" + key + "\" " + brief_text(problem, 240));
}

bool JsonConfig::has(const std::string& key) const {
  auto it = root_.find(key);
  return it != root_.end() && !it->is_null();
}

const nlohmann::json& JsonConfig::at(const std::string& key) const {
  if (!has(key)) fail(key, "is missing");
  return root_.at(key);
}

int64_t JsonConfig::integer(const std::string& key) const {
  const auto& v = at(key);
  if (!v.is_number_integer()) fail(key, "must be an integer, not " + json_brief(v));
  return v.get<int64_t>();
}
int64_t JsonConfig::integer(const std::string& key, int64_t fallback) const {
  return has(key) ? integer(key) : fallback;
}

double JsonConfig::number(const std::string& key) const {
  const auto& v = at(key);
  if (!v.is_number()) fail(key, "must be a number, not " + json_brief(v));
  return v.get<double>();
}
double JsonConfig::number(const std::string& key, double fallback) const {
  return has(key) ? number(key) : fallback;
}

bool JsonConfig::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& v = root_.at(key);
  if (!v.is_boolean()) fail(key, "must be true or false, not " + json_brief(v));
  return v.get<bool>();
}

std::string JsonConfig::string(const std::string& key) const {
  const auto& v = at(key);
  if (!v.is_string()) fail(key, "must be a string, not " + json_brief(v));
  return v.get<std::string>();
}
std::string JsonConfig::string(const std::string& key, const std::string& fallback) const {
  return has(key) ? string(key) : fallback;
}

std::vector<int64_t> JsonConfig::integers(const std::string& key) const {
  const auto& v = at(key);
  std::vector<int64_t> out;
  if (!v.is_array()) fail(key, "must be a list of integers, not " + json_brief(v));
  for (const auto& x : v) {
    if (!x.is_number_integer()) fail(key, "must be a list of integers, not " + json_brief(v));
    out.push_back(x.get<int64_t>());
  }
  return out;
}

std::vector<std::string> JsonConfig::strings(const std::string& key) const {
  const auto& v = at(key);
  std::vector<std::string> out;
  if (!v.is_array()) fail(key, "must be a list of strings, not " + json_brief(v));
  for (const auto& x : v) {
    if (!x.is_string()) fail(key, "must be a list of strings, not " + json_brief(v));
    out.push_back(x.get<std::string>());
  }
  return out;
}

std::vector<int64_t> JsonConfig::integer_or_list(const std::string& key, size_t count) const {
  const auto& v = at(key);
  if (v.is_number_integer()) return std::vector<int64_t>(count, v.get<int64_t>());
  std::vector<int64_t> out = integers(key);
  if (out.size() != count) fail(key, "must have " + std::to_string(count) + " entries, not " + json_brief(v));
  return out;
}

}  // namespace palette
