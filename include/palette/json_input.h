// JSON from files a user hands us (layouts, palettes, model configs, safetensors headers, phrasing
// and session files), parsed only after a streaming pass has bounded what the parsed value costs.
// nlohmann's tree takes 40–50 bytes per value even for an empty `{}`, so 90 MB of `[{},{},…]`
// would take about 4 GB; its recursive destructor would overflow the stack on deep nesting; and it
// keeps the last of two equal keys without a word. The pass refuses each of these first.
//
//   nlohmann::json root = palette::parse_bounded_json(text);  // throws palette::Error
//
// Thread safety: a free function without shared state.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

namespace palette {

struct JsonLimits {
  int max_depth = 64;               // nested arrays and objects
  uint64_t max_values = 1'000'000;  // every value counts, arrays and objects included
};

// The parsed value. Throws palette::Error, without naming the source (the caller does), on:
//   "not valid JSON: <the parser's message, cut at 200 characters>"
//   "JSON nested deeper than <max_depth> levels"
//   "more than <max_values> JSON values"
//   "duplicate key \"<key>\" in <where: the top-level object, layers[2], …>"
// Memory: the text's size in keys for the duplicate check, then the tree.
nlohmann::json parse_bounded_json(std::string_view text, const JsonLimits& limits = {});
// The same, keeping the keys in the file's order.
nlohmann::ordered_json parse_bounded_ordered_json(std::string_view text, const JsonLimits& limits = {});

}  // namespace palette
