// `palette render --layout L.json`: a saved layout rendered with the one-shot region pipeline and the
// full VAE. command_render.cpp registers the option and hands over to run_layout_render.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/model_options.h"

namespace palette::cli {

// Renders `layout` to the file of render's -o. Render's --model, --sampler, --steps, --guidance,
// --seed, --width and --height override the layout's settings (and canvas size: the masks are
// resized) when given on the command line, and --background the layout's background image;
// `render` is the subcommand they were parsed into.
// Throws palette::Error naming the file or option; nothing is written then.
void run_layout_render(const std::string& layout, const CLI::App& render, const ModelArgs& model_args);

}  // namespace palette::cli
