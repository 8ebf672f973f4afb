// `palette eval-default`: renders fixed layouts of the procedural world with a model and reports how
// often each painted region comes out looking like its class (a colour-and-texture classifier whose class
// means come from the world itself), against chance.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "cli/seed_option.h"
#include "palette/error.h"
#include "palette/model.h"
#include "palette/sampler.h"
#include "palette/training.h"

namespace palette::cli {

namespace {

struct EvalArgs {
  EvalOptions options;
  std::string model, device = "auto", out, phrasings, sampler = "lcm_stream";
};

void run_eval(EvalArgs& args) {
  EvalOptions& o = args.options;
  o.model = args.model.empty() ? builtin_model_folder().string() : args.model;
  std::cout << "model: " << o.model.string() << std::endl;
  o.out = args.out;
  ModelArgs device;  // the device option every model command parses
  device.device = args.device;
  o.device = to_model_options(device).device;
  if (!args.phrasings.empty()) o.phrasings = read_class_phrasings(args.phrasings);
  o.sampler = parse_sampler(args.sampler, "--sampler");
  std::printf("layouts: %d at %d², %s %d steps, guidance %g, bootstrapping %d step(s), cover alpha %g%s\n", o.count,
              o.size, std::string(sampler_name(o.sampler)).c_str(), o.steps, o.guidance, o.bootstrap_steps, o.cover_alpha,
              o.live ? "; the live picture as the app shows it on this device" : "");
  o.log = [](const std::string& line) { std::cout << line << std::endl; };
  const EvalReport r = eval_default(o);
  std::printf("%-12s %8s %8s %9s %10s %12s\n", "class", "regions", "right", "accuracy", "reference", "autoencoded");
  for (const auto& c : r.per_class)
    std::printf("%-12s %8d %8d %8.0f%% %9.0f%% %11.0f%%\n", c.name.c_str(), c.regions, c.right,
                100.0 * c.right / c.regions, 100.0 * c.reference_right / c.regions,
                100.0 * c.autoencoded_right / c.regions);
  std::printf("regions classified as painted: %.1f%% of %zu (the world's own pictures: %.1f%%, through the model's "
              "autoencoder: %.1f%%; chance %.1f%%, most common class %.1f%%)\n",
              100 * r.accuracy, r.regions.size(), 100 * r.reference_accuracy, 100 * r.autoencoded_accuracy,
              100 * r.chance, 100 * r.majority);
  std::printf("16x16 blocks classified as painted: %.1f%%; region borders of %d px left out; %.1f s\n",
              100 * r.block_accuracy, o.border, r.seconds);
  if (r.unjudged > 0)
    std::printf("%d painted region(s) left unjudged: under 16 pixels without their %d-px border\n", r.unjudged,
                o.border);
  if (!o.out.empty()) std::printf("wrote %s (sheet.png, eval.json, layouts/)\n", o.out.string().c_str());
}

}  // namespace

void add_eval_default_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "eval-default", "Render fixed world layouts with a model and measure per-region class accuracy");
  auto args = std::make_shared<EvalArgs>();
  EvalOptions& o = args->options;
  cmd->add_option("--model,-m", args->model, "The model folder to judge (default: the built-in default model)");
  cmd->add_option("--count", o.count, "Layouts to render")->capture_default_str();
  cmd->add_option("--size", o.size, "Canvas side in pixels")->capture_default_str();
  cmd->add_option("--seed,-s", o.seed, "Layouts' seed")->capture_default_str()->check(fixed_seed_check());
  cmd->add_option("--reference-samples", o.reference_samples, "World pictures the class means come from")
      ->capture_default_str();
  cmd->add_option("--border", o.border,
                  "Pixels of each region's border the judge leaves out, 0 to 16: how far off a generated edge may "
                  "lie (bench/default-model/judge-border/)")
      ->capture_default_str();
  cmd->add_option("--phrasings", args->phrasings,
                  "JSON {\"<class name>\": [\"prompt\", ...]}: prompt each region of a class with these in turn "
                  "instead of its name");
  cmd->add_option("--sampler", args->sampler, "lcm_stream (the live stream's schedule) or lcm")->capture_default_str();
  cmd->add_option("--steps", o.steps, "Steps (lcm_stream: 5)")->capture_default_str();
  cmd->add_option("--guidance", o.guidance, "Classifier-free guidance (1: none; the default is the built-in model's examples')")
      ->capture_default_str();
  cmd->add_option("--bootstrap-steps", o.bootstrap_steps,
                  "Steps with bootstrapping (each layer first drawn on white, centred in its mask; 0: none, as the "
                  "built-in model's examples; the papers' 1)")
      ->capture_default_str();
  cmd->add_option("--cover-alpha", o.cover_alpha,
                  "A layer's weight where later layers are painted, before the masks are quantized against each "
                  "step's noise level (the background prompt's under every layer; ≤ 0: no covering, full weight)")
      ->capture_default_str();
  cmd->add_flag("--live", o.live,
               "Judge the live picture the app shows while painting on this device (the stream's settled frame, on a "
               "CPU regional attention, at most 3 lcm steps, no guidance, at most 256² and upscaled) instead "
               "of the one-shot render an export makes");
  cmd->add_option("--device", args->device, "cpu, cuda or cuda:N (default: cuda when available)");
  cmd->add_option("-o,--out", args->out, "Folder for sheet.png, eval.json and the layouts (optional)");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace palette::cli
