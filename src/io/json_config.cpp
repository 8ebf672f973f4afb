#include "io/json_config.h"

#include <fstream>
#include <sstream>

#include "palette/error.h"

namespace palette {

nlohmann::json parse_json(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string message = e.what();
    if (message.rfind("[json.exception.", 0) == 0) message = message.substr(message.find(']') + 2);
    throw Error(where + ": not valid JSON: " + message);
  }
}

JsonConfig JsonConfig::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("'" + path.string() + "': cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json root = parse_json(text.str(), "'" + path.string() + "'");
  if (!root.is_object()) throw Error("'" + path.string() + "': not a JSON object");
  return JsonConfig(std::move(root), path.string());
}

JsonConfig::JsonConfig(nlohmann::json root, std::string where) : root_(std::move(root)), where_(std::move(where)) {}

void JsonConfig::fail(const std::string& key, const std::string& problem) const {
  throw Error("'" + where_ + "': \"" + key + "\" " + problem);
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
  if (!v.is_number_integer()) fail(key, "must be an integer, not " + v.dump());
  return v.get<int64_t>();
}
int64_t JsonConfig::integer(const std::string& key, int64_t fallback) const {
  return has(key) ? integer(key) : fallback;
}

double JsonConfig::number(const std::string& key) const {
  const auto& v = at(key);
  if (!v.is_number()) fail(key, "must be a number, not " + v.dump());
  return v.get<double>();
}
double JsonConfig::number(const std::string& key, double fallback) const {
  return has(key) ? number(key) : fallback;
}

bool JsonConfig::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& v = root_.at(key);
  if (!v.is_boolean()) fail(key, "must be true or false, not " + v.dump());
  return v.get<bool>();
}

std::string JsonConfig::string(const std::string& key) const {
  const auto& v = at(key);
  if (!v.is_string()) fail(key, "must be a string, not " + v.dump());
  return v.get<std::string>();
}
std::string JsonConfig::string(const std::string& key, const std::string& fallback) const {
  return has(key) ? string(key) : fallback;
}

std::vector<int64_t> JsonConfig::integers(const std::string& key) const {
  const auto& v = at(key);
  std::vector<int64_t> out;
  if (!v.is_array()) fail(key, "must be a list of integers, not " + v.dump());
  for (const auto& x : v) {
    if (!x.is_number_integer()) fail(key, "must be a list of integers, not " + v.dump());
    out.push_back(x.get<int64_t>());
  }
  return out;
}

std::vector<std::string> JsonConfig::strings(const std::string& key) const {
  const auto& v = at(key);
  std::vector<std::string> out;
  if (!v.is_array()) fail(key, "must be a list of strings, not " + v.dump());
  for (const auto& x : v) {
    if (!x.is_string()) fail(key, "must be a list of strings, not " + v.dump());
    out.push_back(x.get<std::string>());
  }
  return out;
}

std::vector<int64_t> JsonConfig::integer_or_list(const std::string& key, size_t count) const {
  const auto& v = at(key);
  if (v.is_number_integer()) return std::vector<int64_t>(count, v.get<int64_t>());
  std::vector<int64_t> out = integers(key);
  if (out.size() != count) fail(key, "must have " + std::to_string(count) + " entries, not " + v.dump());
  return out;
}

}  // namespace palette
