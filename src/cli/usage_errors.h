// What `palette` says about a mistyped command or flag, and the exit statuses it promises (documented
// in `palette --help` and the README):
//   0  success (also --help and --version);
//   1  bad input or a failure while running: a file, a value, a model, out of memory (the message says);
//   2  usage: an unknown command or flag, a missing or malformed option value.
// CLI11's own statuses (105–114, one per parse error kind) are folded into 2 so that a script can tell
// "I called it wrongly" from "it failed" without a table of CLI11 internals.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace palette::cli {

enum ExitStatus : int {
  kExitOk = 0,
  kExitFailure = 1,  // bad input or a failure
  kExitUsage = 2,    // bad command line
};

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `typed` when it is near enough to be a typo (a distance of at most a third of
// its length, at least 1, at most 3), else "". Ties go to the earlier candidate.
std::string closest_name(std::string_view typed, const std::vector<std::string>& candidates);

// For a parse error with arguments left over (an ExtrasError, or a missing required option whose
// cause is usually a mistyped one): "unknown flag '--seeed' for 'palette render'; did you mean '--seed'?"
// (one line per unexpected argument, the suggestion when there is one), or "" when `root` has no leftover
// arguments. Call after `root.parse` threw.
std::string describe_unexpected(const CLI::App& root);

// The names a command line can give the subcommands of `app`.
std::vector<std::string> subcommand_names(const CLI::App& app);

}  // namespace palette::cli
