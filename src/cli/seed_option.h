// --seed as every command reads it. CLI11 would read "-1" and "2^70" into a uint64_t as
// 18446744073709551615 without a word, so the option is kept as text and read here: a whole number
// in 0 … 2^64 − 1, or -1 for a new random seed (as other tools), which the command prints so the
// picture can be made again.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace palette::cli {

// The seed `text` (the value given to `flag`) asks for; nullopt for -1 (random). Throws palette::Error
// naming the flag, the value (cut to 40 characters) and the accepted range for anything else.
std::optional<uint64_t> parse_seed(const std::string& text, const std::string& flag = "--seed");

// A new random seed, for -1 or an unsaid seed.
uint64_t random_seed();

// For seeds without a "random" meaning (a world or evaluation seed): refuses, at parse time, anything
// not in 0 … 2^64 − 1, -1 included.
CLI::Validator fixed_seed_check();

}  // namespace palette::cli
