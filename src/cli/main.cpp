// palette — the headless client of the engine: everything the app can do, from a terminal.
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "palette/cpu_threads.h"
#include "palette/error.h"
#include "palette/version.h"

namespace {

// CLI11 would call an unknown command "an unexpected argument"; name it for what it is.
bool is_unknown_command(CLI::App& app, int argc, char** argv, std::string& known) {
  if (argc < 2 || argv[1][0] == '-') return false;
  bool found = false;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    known += (known.empty() ? "" : ", ") + sub->get_name();
    if (sub->get_name() == argv[1]) found = true;
  }
  return !found;
}

}  // namespace

int main(int argc, char** argv) {
  palette::configure_cpu_threads();
  CLI::App app{"Semantic Palette: paint with meaning. Headless engine commands.", "palette"};
  app.set_version_flag("--version", "palette " + palette::version() + " (LibTorch " + palette::torch_version() + ")");
  app.require_subcommand(1);
  app.footer("Run 'palette COMMAND --help' for the options of one command.");
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

  std::string known;
  if (is_unknown_command(app, argc, argv, known)) {
    std::cerr << "palette: unknown command '" << argv[1] << "' (commands: " << known
              << "). Run 'palette --help'.\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) std::cerr << "palette: ";
    return app.exit(e);
  } catch (const palette::Error& e) {
    std::cerr << "palette: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "palette: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
