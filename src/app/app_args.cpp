#include "app/app_args.h"

#include <cstdio>
#include <cstdlib>

#include "palette/error.h"

namespace palette::app {

std::string app_usage() {
  return "usage: semantic-palette [options] [palette-or-layout.json]\n"
         "  --model M        a diffusers folder or .safetensors checkpoint (default: the layout's settings.model,\n"
         "                   else the built-in default model)\n"
         "  --no-model       start without a model (painting and files only)\n"
         "  --device D       cpu, cuda or cuda:N (default: cuda when available)\n"
         "  --size WxH       the canvas of a new document (default: the model's own size once it has loaded,\n"
         "                   1024x1024 for SDXL, else 512x512)\n"
         "  --script S.json  run a scripted session (strokes, prompt edits, save, export, quit)\n"
         "  --offscreen      no window: draw the same frames on an offscreen GPU surface (EGL), for a --script\n"
         "                   on a machine without a display\n"
         "  --no-cuda-graphs the live stream launches every kernel itself instead of replaying recorded CUDA\n"
         "                   graphs (slower; for a driver that fails on graphs, or to compare)\n"
         "  --screenshot P   write the window as PNG to P just before quitting\n"
         "  --metrics F      write the session's figures to F, one JSON line per script action and a summary:\n"
         "                   UI frame time (and where the slowest frame's time went), stroke to picture\n"
         "                   (first change, settled), pictures/s, memory, CUDA graphs recorded, and for\n"
         "                   random_edits the edits drawn, by kind\n"
         "  --autosave-seconds S  write unsaved changes to the recovery file after S seconds of changes\n"
         "                   (default 60; the file lives in ~/.config/semantic-palette/recovery)\n"
         "  -h, --help       this text\n";
}

AppArgs parse_app_args(int argc, const char* const* argv) {
  AppArgs args;
  auto value = [&](int& i, const std::string& flag) -> std::string {
    if (i + 1 >= argc) throw Error(flag + " needs a value\n" + app_usage());
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      args.help = true;
    } else if (a == "--model") {
      args.model = value(i, a);
    } else if (a == "--no-model") {
      args.no_model = true;
    } else if (a == "--device") {
      args.device = value(i, a);
    } else if (a == "--script") {
      args.script = value(i, a);
    } else if (a == "--offscreen") {
      args.offscreen = true;
    } else if (a == "--no-cuda-graphs") {
      args.cuda_graphs = false;
    } else if (a == "--screenshot") {
      args.screenshot = value(i, a);
    } else if (a == "--metrics") {
      args.metrics = value(i, a);
    } else if (a == "--autosave-seconds") {
      const std::string v = value(i, a);
      char* end = nullptr;
      const double s = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != 0 || !(s > 0) || s > 86400)
        throw Error("--autosave-seconds: '" + v + "' is not a number of seconds in (0, 86400]");
      args.autosave_seconds = s;
    } else if (a == "--size") {
      const std::string v = value(i, a);
      int w = 0, h = 0;
      char tail = 0;
      if (std::sscanf(v.c_str(), "%dx%d%c", &w, &h, &tail) != 2 || w <= 0 || h <= 0)
        throw Error("--size: '" + v + "' is not WxH (e.g. 512x512)");
      args.width = w;
      args.height = h;
      args.size_given = true;
    } else if (!a.empty() && a[0] == '-') {
      throw Error("unknown option '" + a + "'\n" + app_usage());
    } else if (args.file.empty()) {
      args.file = a;
    } else {
      throw Error("only one file can be opened ('" + args.file + "' and '" + a + "')");
    }
  }
  if (args.no_model && !args.model.empty()) throw Error("--model and --no-model exclude each other\n" + app_usage());
  if (args.offscreen && args.script.empty() && !args.help)
    throw Error("--offscreen needs --script: without a window no one can paint\n" + app_usage());
  return args;
}

}  // namespace palette::app
