// Subcommands of the `palette` CLI. Each add_* registers one subcommand on `root` with its options
// and the callback that runs it. Callbacks report failure by throwing palette::Error (or
// CLI::Error for bad usage); main() turns that into a message and a non-zero exit status.
#pragma once

#include <CLI/CLI.hpp>

namespace palette::cli {

void add_info_command(CLI::App& root);
void add_inspect_command(CLI::App& root);
void add_render_command(CLI::App& root);
void add_panorama_command(CLI::App& root);
void add_stream_command(CLI::App& root);
void add_layout_command(CLI::App& root);
void add_bench_command(CLI::App& root);
void add_make_dataset_command(CLI::App& root);
void add_train_default_command(CLI::App& root);
void add_eval_default_command(CLI::App& root);
void add_random_model_command(CLI::App& root);

}  // namespace palette::cli
