// The command line: semantic-palette [--model M] [--device D] [--script S] [--offscreen] [--no-cuda-graphs] [--screenshot P]
//                   [--metrics F] [layout.json]
//
//   AppArgs args = parse_app_args(argc, argv);   // throws palette::Error with a usage hint
//
// Thread safety: pure function.
#pragma once

#include <string>

namespace palette::app {

struct AppArgs {
  std::string model;       // a model folder or .safetensors file; "" = the layout's, else the built-in one
  std::string device;      // "cpu", "cuda", "cuda:N"; "" = CUDA when available, else the CPU
  std::string script;      // a session script (JSON) to run instead of waiting for the user
  std::string screenshot;  // a PNG of the window written just before quitting
  std::string metrics;     // the session's figures as JSON lines (session_metrics.h); "" = none
  std::string file;        // a palette or layout to open
  int width = 512;         // a new document's canvas, when no file is given
  int height = 512;
  bool size_given = false;  // --size was given: the new document keeps it whatever the model's own size
  double autosave_seconds = 60;  // unsaved changes go to the recovery file after this long (recovery.h)
  bool no_model = false;   // start without a model: painting and files only
  bool offscreen = false;  // draw on an EGL surface instead of a window (display.h); needs a script
  bool cuda_graphs = true;  // the live stream replays CUDA graphs on a GPU (--no-cuda-graphs: plain launches)
  bool help = false;
};

std::string app_usage();  // the --help text
// Parses argv. Throws palette::Error naming the bad argument ("--size: '12x' is not WxH").
AppArgs parse_app_args(int argc, const char* const* argv);

}  // namespace palette::app
