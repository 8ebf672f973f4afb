#include "document/json_fields.h"

#include <sstream>

#include "palette/error.h"

namespace palette::document {

namespace {

constexpr size_t kShownBytes = 40;  // of a string quoted in an error message

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string cut(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (uint8_t(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

}  // namespace

std::string describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::string:
      return "the string " + Json(cut(value.get_ref<const std::string&>(), kShownBytes)).dump();
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "the number " + value.dump();
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "a binary value";
  }
}

void fail(const std::string& field, const std::string& problem) {
  throw Error(field + ": " + problem);
}

ObjectReader::ObjectReader(const Json& value, std::string path) : object_(value), path_(std::move(path)) {
  if (!value.is_object())
    throw Error((path_.empty() ? std::string("the file") : path_) + " must be a JSON object, got " +
                describe(value));
}

std::string ObjectReader::field(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

const Json* ObjectReader::find(const std::string& key) {
  known_.insert(key);
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

const Json& ObjectReader::require(const std::string& key) {
  const Json* value = find(key);
  if (value == nullptr) fail(field(key), "missing (required)");
  return *value;
}

std::string string_value(const Json& value, const std::string& field, size_t max_bytes) {
  if (!value.is_string()) fail(field, "must be a string, got " + describe(value));
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > max_bytes)
    fail(field, std::to_string(text.size()) + " bytes is above the limit of " + std::to_string(max_bytes));
  return text;
}

int64_t integer_value(const Json& value, const std::string& field) {
  if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(INT64_MAX))
    fail(field, value.dump() + " is out of range");
  if (!value.is_number_integer()) fail(field, "must be a whole number, got " + describe(value));
  return value.get<int64_t>();
}

std::string ObjectReader::string(const std::string& key, size_t max_bytes) {
  return string_value(require(key), field(key), max_bytes);
}

std::string ObjectReader::string(const std::string& key, size_t max_bytes, const std::string& fallback) {
  const Json* value = find(key);
  return value == nullptr ? fallback : string_value(*value, field(key), max_bytes);
}

double ObjectReader::number(const std::string& key, double fallback) {
  const Json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number()) fail(field(key), "must be a number, got " + describe(*value));
  return value->get<double>();
}

int64_t ObjectReader::integer(const std::string& key) {
  return integer_value(require(key), field(key));
}

int64_t ObjectReader::integer(const std::string& key, int64_t fallback) {
  const Json* value = find(key);
  return value == nullptr ? fallback : integer_value(*value, field(key));
}

bool ObjectReader::boolean(const std::string& key, bool fallback) {
  const Json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) fail(field(key), "must be true or false, got " + describe(*value));
  return value->get<bool>();
}

Json ObjectReader::unknown() const {
  Json extra = Json::object();
  for (const auto& [key, value] : object_.items())
    if (known_.count(key) == 0) extra[key] = value;
  return extra;
}

}  // namespace palette::document
