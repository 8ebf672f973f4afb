// `palette render`: one picture from a prompt, written as a PNG whose "parameters" text chunk holds
// the settings needed to make the same picture again, as AUTOMATIC1111 writes them (infotext).
#include <array>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>

#include "cli/commands.h"
#include "cli/layout_render.h"
#include "cli/model_choice.h"
#include "cli/png_output.h"
#include "cli/model_options.h"
#include "cli/picture_info.h"
#include "cli/progress.h"
#include "cli/sampler_option.h"
#include "cli/seed_option.h"
#include "palette/error.h"
#include "palette/image.h"
#include "palette/infotext.h"
#include "palette/model.h"
#include "palette/render.h"
#include "palette/version.h"
#include "palette/utf8.h"

namespace palette::cli {

namespace {

struct RenderArgs {
  std::string model, prompt, negative, sampler, output, layout, background;
  int steps = RenderOptions{}.steps;
  double guidance = RenderOptions{}.guidance;
  int width = RenderOptions{}.width;
  int height = RenderOptions{}.height;
  std::string original_size, target_size, crop;  // SDXL's micro-conditioning, as given
  std::string seed;                    // read by parse_seed
  CLI::Option* seed_option = nullptr;  // counts whether --seed was given
  ModelArgs model_args;
};

// A1111's infotext (palette/infotext.h) with the values that ran. No layout chunk: a text render is not
// a layout (its samplers are not the region pipeline's), so it does not reopen as one.
std::string infotext(const RenderArgs& args, const ModelChoice& model, const RenderOptions& options,
                     const RenderResult& result) {
  Infotext info;
  info.prompt = options.prompt;
  info.negative_prompt = options.negative_prompt;
  add_generation_fields(info, {.steps = options.steps,
                               .sampler = result.sampler,
                               .guidance = options.guidance,
                               .seed = result.seed,
                               .width = result.image.width,
                               .height = result.image.height,
                               .model = model.path});
  // SDXL's micro-conditioning, as given (what makes the same picture again); "WxH" and "X,Y" as the flags.
  const auto size_text = [](const std::array<int, 2>& hw) { return std::to_string(hw[1]) + "x" + std::to_string(hw[0]); };
  if (options.original_size) info.add("Original size", size_text(*options.original_size));
  if (options.crop_top_left != std::array<int, 2>{0, 0})
    info.add("Crop", std::to_string(options.crop_top_left[1]) + "," + std::to_string(options.crop_top_left[0]));
  if (options.target_size) info.add("Target size", size_text(*options.target_size));
  info.add("LoRA", lora_names(args.model_args));
  info.add("Version", "Semantic Palette " + version());
  return format_infotext(info);
}

// "WxH" (a size) or "X,Y" (a corner) as {height, width} / {top, left}, the order RenderOptions keeps.
std::array<int, 2> pixel_pair(const std::string& text, const char* flag, char separator) {
  int a = 0, b = 0;
  char tail = 0;
  const std::string format = std::string("%d") + separator + "%d%c";
  if (std::sscanf(text.c_str(), format.c_str(), &a, &b, &tail) != 2)
    throw Error(std::string(flag) + ": '" + text + "' is not " + (separator == 'x' ? "WxH (e.g. 1024x1024)" : "X,Y (e.g. 0,0)"));
  return {b, a};
}

void run_render(const RenderArgs& args, const CLI::App& cmd) {
  if (!args.layout.empty()) return run_layout_render(args.layout, cmd, args.model_args);
  if (args.prompt.empty()) throw Error("--prompt is required (or --layout with a saved layout)");
  check_utf8(args.prompt, "--prompt");
  check_utf8(args.negative, "--negative");
  const ModelChoice choice = choose_model(args.model);
  RenderOptions options;
  options.prompt = args.prompt;
  options.negative_prompt = args.negative;
  if (!args.sampler.empty()) options.sampler = text_sampler(args.sampler);
  options.steps = args.steps;
  options.guidance = args.guidance;
  options.width = args.width;
  options.height = args.height;
  if (!args.original_size.empty()) options.original_size = pixel_pair(args.original_size, "--original-size", 'x');
  if (!args.target_size.empty()) options.target_size = pixel_pair(args.target_size, "--target-size", 'x');
  if (!args.crop.empty()) options.crop_top_left = pixel_pair(args.crop, "--crop", ',');
  // Chosen here rather than by the engine so it is on screen before the long part starts.
  const auto seed = args.seed_option->count() > 0 ? parse_seed(args.seed) : std::nullopt;
  options.seed = seed ? *seed : random_seed();
  validate_render_options(options);
  check_png_output(args.output);
  const ModelOptions model_options = to_model_options(args.model_args);

  std::cout << "seed " << *options.seed << std::endl;
  const Model model = load_chosen_model(choice, model_options);
  // What the user left unsaid follows the model: the built-in model samples with LCM, 5 steps, no CFG.
  const auto given = [&](const char* name) { return cmd.get_option(name)->count() > 0; };
  if (!given("--sampler")) options.sampler = model.info().native.sampler;
  if (!given("--steps")) options.steps = model.info().native.steps;
  if (!given("--guidance")) options.guidance = model.info().native.guidance;
  if (!given("--width")) options.width = model.info().native.side;
  if (!given("--height")) options.height = model.info().native.side;
  ProgressBar progress;
  options.progress = [&progress](int step, int total) { progress(step, total); };
  const RenderResult result = render(model, options);
  write_png(args.output, result.image, {{"parameters", infotext(args, choice, options, result)}});
  const std::string sampler(sampler_name(result.sampler));
  std::printf("wrote %s (%dx%d, %s, %d steps, seed %llu) in %.1f s\n", args.output.c_str(),
              result.image.width, result.image.height, sampler.c_str(), options.steps,
              static_cast<unsigned long long>(result.seed), result.timings.total_ms / 1000.0);
}

}  // namespace

void add_render_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("render", "Make one picture from a text prompt (text to image)");
  auto args = std::make_shared<RenderArgs>();
  cmd->add_option("--model,-m", args->model,
                  "A diffusers folder or a single .safetensors checkpoint (default: the layout's settings.model "
                  "with --layout, else the built-in default model)");
  CLI::Option* prompt = cmd->add_option("--prompt,-p", args->prompt, "What to paint (required without --layout)");
  CLI::Option* layout = cmd->add_option("--layout", args->layout,
                                        "Render a saved layout (JSON, or a PNG rendered from a layout, which "
                                        "carries it) with the region pipeline instead; the options below "
                                        "override its settings and size")
                            ->excludes(prompt);
  cmd->add_option("--background", args->background,
                  "With --layout: a picture to paint over (replaces the layout's background image); "
                  "unpainted pixels stay the picture's")
      ->needs(layout);
  cmd->add_option("--negative,-n", args->negative,
                  "What to keep out of the picture (used when guidance > 1)");
  cmd->add_option("--sampler", args->sampler,
                  sampler_help(false, "the model's own scheduler; lcm_stream only with --layout"));
  cmd->add_option("--steps", args->steps,
                  "Denoising steps (default: the model's own: 5 for LCM models such as the built-in one, else 25)");
  cmd->add_option("--guidance,-g", args->guidance,
                  "Classifier-free guidance scale in [0, 100]; <= 1 turns CFG off (default: 1 for LCM models, else 7.5)");
  args->seed_option = cmd->add_option(
      "--seed,-s", args->seed,
      "Noise seed 0 … 2^64 − 1, as torch.Generator().manual_seed; -1: random (the default; printed)");
  cmd->add_option("--width,-W", args->width,
                  "Image width in pixels, a multiple of 8, at least 64 (default: 1024 for SDXL models, else 512)");
  cmd->add_option("--height,-H", args->height,
                  "Image height in pixels, a multiple of 8, at least 64 (default: 1024 for SDXL models, else 512)");
  cmd->add_option("--original-size", args->original_size,
                  "SDXL: the size WxH the picture is to look cropped from (default: its own size)");
  cmd->add_option("--crop", args->crop, "SDXL: the crop's top-left corner X,Y in that picture (default: 0,0)");
  cmd->add_option("--target-size", args->target_size, "SDXL: the size WxH it is to look made for (default: its own size)");
  cmd->add_option("-o,--output", args->output,
                  "The PNG file to write; it carries the settings as AUTOMATIC1111 infotext ('parameters') and, "
                  "with --layout, the layout itself")
      ->required();
  add_model_options(*cmd, args->model_args);
  cmd->callback([args, cmd] { run_render(*args, *cmd); });
}

}  // namespace palette::cli
