// Running the `palette` binary the way a user does, for end-to-end tests.
#pragma once

#include <filesystem>
#include <string>

namespace palette::test {

struct CliRun {
  int status;          // exit status; -1 when the process did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs `palette ARGS` (a shell-quoted argument string) and waits for it.
// `environment`: VAR=value assignments (shell-quoted) put before the command.
CliRun run_cli(const std::string& args, const std::string& environment = "");

// A path as one shell word for run_cli (single-quoted; a quote inside is closed, escaped and reopened).
inline std::string shell_word(const std::filesystem::path& p) {
  std::string q = "'";
  for (char c : p.string()) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace palette::test
