// `palette make-dataset`: pictures of the procedural world the built-in default model is trained on,
// written as PNGs (picture, class map) with their captions, to look at or to train other tools on.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/seed_option.h"
#include "palette/error.h"
#include "palette/world.h"

namespace palette::cli {

namespace {

struct DatasetArgs {
  uint64_t seed = 0;
  int count = 16;
  int size = 256;
  float crop_fraction = WorldOptions{}.crop_fraction;
  bool varied = false;
  int view = 0;
  std::string scene, output;
};

void run_make_dataset(const DatasetArgs& args) {
  WorldOptions options;
  options.width = options.height = args.size;
  options.crop_fraction = args.crop_fraction;
  options.captions = args.varied ? CaptionStyle::Varied : CaptionStyle::Plain;
  options.view = args.view;
  if (!args.scene.empty()) {
    options.scene = world_scene_from_name(args.scene);
    if (!options.scene) throw Error("--scene: unknown scene '" + args.scene + "' (crop, coast, countryside, mountain-lake, winter, desert, road)");
  }
  const int files = write_world_dataset(args.output, args.seed, args.count, options);
  std::cout << "wrote " << files << " files (" << args.count << " samples, " << args.size << "x" << args.size
            << ", seed " << args.seed << ") to " << args.output << "\n";
}

}  // namespace

void add_make_dataset_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "make-dataset", "Write pictures of the default model's procedural world with class maps and captions");
  auto args = std::make_shared<DatasetArgs>();
  cmd->add_option("--seed,-s", args->seed, "World seed 0 … 2^64 − 1: the same seed gives the same pictures")
      ->capture_default_str()
      ->check(fixed_seed_check());
  cmd->add_option("--count", args->count, "Number of samples")->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--size", args->size, "Picture side in pixels")->capture_default_str()->check(CLI::Range(16, 4096));
  cmd->add_option("--crop-fraction", args->crop_fraction, "Share of single-class close-ups")
      ->capture_default_str()
      ->check(CLI::Range(0.0f, 1.0f));
  cmd->add_option("--scene", args->scene, "Only this kind: crop, coast, countryside, mountain-lake, winter, desert, road");
  cmd->add_flag("--varied-captions", args->varied, "Captions as the UNet trains on them (many phrasings, boilerplate)");
  cmd->add_option("--view", args->view, "Cut each picture to a random view x view window (0: the whole picture)")
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Folder to write (created if needed)")->required();
  cmd->callback([args] { run_make_dataset(*args); });
}

}  // namespace palette::cli
