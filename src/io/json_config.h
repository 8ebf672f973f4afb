// A JSON configuration file (config.json, scheduler_config.json, model_index.json) read with
// errors that name the file and the key: "'unet/config.json': \"block_out_channels\" must be a
// list of integers".
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace palette {

// Parses JSON text within parse_bounded_json's limits; throws palette::Error "<where>: <problem>",
// e.g. "<where>: not valid JSON: <what and where in the text>".
nlohmann::json parse_json(const std::string& text, const std::string& where);

class JsonConfig {
 public:
  // Throws palette::Error when the file is missing, unreadable, not a regular file, over 16 MiB,
  // not JSON (or beyond parse_bounded_json's limits), or not an object.
  static JsonConfig load(const std::filesystem::path& path);
  JsonConfig(nlohmann::json root, std::string where);  // `where` names the source in errors

  bool has(const std::string& key) const;              // present and not null
  const nlohmann::json& raw() const { return root_; }
  const std::string& where() const { return where_; }

  // Typed getters. Throw palette::Error naming the file and key when the key is missing (without
  // a fallback) or holds the wrong type. A null value counts as missing.
  int64_t integer(const std::string& key) const;
  int64_t integer(const std::string& key, int64_t fallback) const;
  double number(const std::string& key) const;
  double number(const std::string& key, double fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::string string(const std::string& key) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> integers(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;
  // An integer or a list of integers (diffusers' attention_head_dim); a single value is repeated
  // `count` times; a list must have exactly `count` entries.
  std::vector<int64_t> integer_or_list(const std::string& key, size_t count) const;

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

 private:
  const nlohmann::json& at(const std::string& key) const;
  nlohmann::json root_;
  std::string where_;
};

}  // namespace palette
