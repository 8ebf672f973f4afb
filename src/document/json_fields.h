// Reading a JSON object field by field with errors that name the field's path in the file
// ("layers[2].prompt_strength: must be a number, got the string \"high\""), keeping the keys that
// were not read so they can be written back.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace palette::document {

using Json = nlohmann::ordered_json;

// A short description of a value for error messages: "the string \"abc\"", "the number 2.5",
// "null", "an array", "an object". Long strings are cut (at a character boundary).
std::string describe(const Json& value);

// Throws palette::Error("<field>: <problem>").
[[noreturn]] void fail(const std::string& field, const std::string& problem);

class ObjectReader {
 public:
  // Throws unless `value` is an object, naming `path` ("" = the top level).
  ObjectReader(const Json& value, std::string path);

  std::string field(const std::string& key) const;  // "path.key", or "key" at the top level

  // The value under `key` (null included) or nullptr; either way the key counts as known.
  const Json* find(const std::string& key);
  const Json& require(const std::string& key);  // throws "<field>: missing"

  // Typed values. The ones without a fallback are required; those with one use it when the key is
  // absent. A value of the wrong type (null included) throws, naming the expected type.
  std::string string(const std::string& key, size_t max_bytes);
  std::string string(const std::string& key, size_t max_bytes, const std::string& fallback);
  double number(const std::string& key, double fallback);
  int64_t integer(const std::string& key);
  int64_t integer(const std::string& key, int64_t fallback);
  bool boolean(const std::string& key, bool fallback);

  Json unknown() const;  // the keys never looked up, in file order

 private:
  const Json& object_;
  std::string path_;
  std::set<std::string> known_;
};

std::string string_value(const Json& value, const std::string& field, size_t max_bytes);
int64_t integer_value(const Json& value, const std::string& field);

}  // namespace palette::document
