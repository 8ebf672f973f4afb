#include "cli/seed_option.h"

#include <charconv>
#include <random>

#include "palette/error.h"

namespace palette::cli {

namespace {

constexpr size_t kShownChars = 40;

std::string shown(const std::string& text) {
  return text.size() <= kShownChars ? text : text.substr(0, kShownChars) + "…";
}

// The value of a plain decimal 0 … 2^64 − 1 (no sign, no spaces, no exponent); nullopt otherwise.
std::optional<uint64_t> whole_number(const std::string& text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  if (text.empty() || text[0] < '0' || text[0] > '9') return std::nullopt;
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

const char* const kRange = "0 … 18446744073709551615 (2^64 − 1)";

}  // namespace

std::optional<uint64_t> parse_seed(const std::string& text, const std::string& flag) {
  if (text == "-1") return std::nullopt;
  if (auto value = whole_number(text)) return value;
  throw Error(flag + " '" + shown(text) + "' is not a seed: expected a whole number in " + kRange +
              ", or -1 for a random one");
}

uint64_t random_seed() { return std::random_device{}(); }

CLI::Validator fixed_seed_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (whole_number(text)) return {};
        return "'" + shown(text) + "' is not a seed: expected a whole number in " + kRange;
      },
      "SEED", "seed");
}

}  // namespace palette::cli
