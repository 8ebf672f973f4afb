// Running the `palette` binary the way a user does, for end-to-end tests.
#pragma once

#include <string>

namespace palette::test {

struct CliRun {
  int status;          // exit status; -1 when the process did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs `palette ARGS` (a shell-quoted argument string) and waits for it.
// `environment`: VAR=value assignments (shell-quoted) put before the command.
CliRun run_cli(const std::string& args, const std::string& environment = "");

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace palette::test
