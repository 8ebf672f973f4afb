// A short rendering of a JSON value for error messages ("\"shape\" [[[[[[[[…"): error paths used to
// print the offending value whole with json::dump, which recurses once per level (a value nested
// 100,000 deep overflowed the stack) and wrote 100 KB lines for a long one.
//
//   throw Error(key + " must be a list of integers, not " + json_brief(value));
//
// Thread safety: a pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace palette {

namespace json_brief_detail {

constexpr int kMaxLevels = 6;  // deeper containers are shown as "…"

inline void append(const nlohmann::json& value, int level, size_t budget, std::string& out) {
  if (out.size() >= budget) return;
  if (!value.is_structured()) {
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // Only what fits is kept; a long string is cut before it is dumped (dumping copies it).
    if (value.is_string() && value.get_ref<const std::string&>().size() > budget)
      text = nlohmann::json(value.get_ref<const std::string&>().substr(0, budget))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += text;
    return;
  }
  const bool object = value.is_object();
  out += object ? '{' : '[';
  if (level >= kMaxLevels && !value.empty()) {
    out += "…";
  } else {
    bool first = true;
    for (auto it = value.begin(); it != value.end() && out.size() < budget; ++it, first = false) {
      if (!first) out += ", ";
      if (object) out += nlohmann::json(it.key()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ": ";
      append(*it, level + 1, budget, out);
    }
  }
  out += object ? '}' : ']';
}

}  // namespace json_brief_detail

// `text` cut to at most `max_bytes` bytes at a UTF-8 character boundary, with "…" when cut: for
// messages that quote what a file said (a 100 KB block type name must not make a 100 KB line).
inline std::string brief_text(const std::string& text, size_t max_bytes = 160) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

// `value` as JSON text, cut to about `max_chars` bytes (at a UTF-8 character boundary, then "…").
// Costs O(max_chars) whatever the value's size or depth: at most kMaxLevels levels are visited.
inline std::string json_brief(const nlohmann::json& value, size_t max_chars = 80) {
  std::string out;
  json_brief_detail::append(value, 0, max_chars + 1, out);
  return brief_text(out, max_chars);
}

}  // namespace palette
