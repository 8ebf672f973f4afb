// palette — the headless client of the engine: everything the app can do, from a terminal.
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/usage_errors.h"
#include "palette/cpu_allocator.h"
#include "palette/cpu_threads.h"
#include "palette/error.h"
#include "palette/version.h"

namespace {

using palette::cli::kExitFailure;
using palette::cli::kExitOk;
using palette::cli::kExitUsage;

constexpr const char* kFooter =
    "Run 'palette COMMAND --help' for the options of one command.\n"
    "\n"
    "Exit status: 0 success; 1 bad input or a failure while running (the message names the file, value\n"
    "or model); 2 usage: an unknown command or flag, a missing or malformed option value.";

// CLI11 would call an unknown command "an unexpected argument"; name it for what it is, with the
// nearest known command when it looks like a typo.
bool unknown_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  const std::vector<std::string> known = palette::cli::subcommand_names(app);
  for (const std::string& name : known)
    if (name == argv[1]) return false;
  std::cerr << "palette: unknown command '" << argv[1] << "'";
  if (const std::string near = palette::cli::closest_name(argv[1], known); !near.empty()) {
    std::cerr << "; did you mean '" << near << "'?\n";
  } else {
    std::string list;
    for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
    std::cerr << " (commands: " << list << "). Run 'palette --help'.\n";
  }
  return true;
}

// CLI11's parse errors (exit codes 105–114 of its own) all mean the command line was wrong: one status.
int usage_error(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0) return app.exit(e) == 0 ? kExitOk : kExitUsage;  // --help, --version
  // Arguments nobody took come first: "palette render --seeed 3 -p x" would otherwise report the missing
  // -o that CLI11 checks before leftovers, not the typo that caused the trouble.
  if (const std::string said = palette::cli::describe_unexpected(app); !said.empty()) {
    std::cerr << "palette: " << said << "\nRun with --help for the options.\n";
    return kExitUsage;
  }
  std::cerr << "palette: ";
  app.exit(e);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  palette::configure_cpu_allocator();
  palette::configure_cpu_threads();
  CLI::App app{"Semantic Palette: paint with meaning. Headless engine commands.", "palette"};
  app.set_version_flag("--version",
                       "palette " + palette::version() + " (LibTorch " + palette::torch_version() + ")");
  app.require_subcommand(1);
  app.footer(kFooter);
  palette::cli::add_info_command(app);
  palette::cli::add_inspect_command(app);
  palette::cli::add_render_command(app);
  palette::cli::add_panorama_command(app);
  palette::cli::add_stream_command(app);
  palette::cli::add_layout_command(app);
  palette::cli::add_bench_command(app);
  palette::cli::add_make_dataset_command(app);
  palette::cli::add_train_default_command(app);
  palette::cli::add_eval_default_command(app);
  palette::cli::add_random_model_command(app);

  if (unknown_command(app, argc, argv)) return kExitUsage;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e);
  } catch (const palette::Error& e) {
    std::cerr << "palette: error: " << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    // Not a usage mistake, so status 1 as any other failure; "internal" because no check foresaw it.
    std::cerr << "palette: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}
