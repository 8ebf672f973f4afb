// `palette layout new` and `palette layout show`: making and reading palette and layout files
// without the app.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/sampler_option.h"
#include "cli/seed_option.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/image.h"

namespace palette::cli {

namespace {

struct NewArgs {
  std::string output, palette, kind = "layout", background, negative, model, sampler;
  int width = 512, height = 512, steps = 0, bootstrap_steps = 0;
  double guidance = -1;
  std::string seed;  // read by parse_seed
  std::vector<std::string> layers;  // NAME:#RRGGBB:PROMPT[:MASK]
  bool force = false;
  const CLI::App* command = nullptr;
};

struct LayerSpec {
  LayerProperties properties;
  std::string mask;  // an image file, or ""
};

// "sky:#4080ff:a clear sky[:sky.png]". The prompt may contain ':' only when no mask follows it, so a
// mask is recognised by its image extension.
LayerSpec parse_layer(const std::string& text) {
  const std::string where = "--layer '" + text + "': ";
  const auto first = text.find(':');
  const auto second = first == std::string::npos ? first : text.find(':', first + 1);
  if (second == std::string::npos) throw Error(where + "expected NAME:#RRGGBB:PROMPT[:MASK.png]");
  LayerSpec spec;
  spec.properties.name = text.substr(0, first);
  const auto color = parse_color(text.substr(first + 1, second - first - 1));
  if (!color)
    throw Error(where + "'" + text.substr(first + 1, second - first - 1) + "' is not a colour (#rrggbb)");
  spec.properties.color = *color;
  spec.properties.prompt = text.substr(second + 1);
  const auto last = spec.properties.prompt.rfind(':');
  if (last != std::string::npos) {
    const std::filesystem::path mask = spec.properties.prompt.substr(last + 1);
    for (const char* ext : {".png", ".jpg", ".jpeg", ".bmp", ".tga"})
      if (mask.extension() == ext) {
        spec.mask = mask.string();
        spec.properties.prompt.resize(last);
      }
  }
  validate_layer_properties(spec.properties, "--layer '" + spec.properties.name + "'");
  return spec;
}

void run_new(const NewArgs& args) {
  if (args.kind != "layout" && args.kind != "palette")
    throw Error("--kind: '" + args.kind + "' must be layout or palette");
  const DocumentKind kind = args.kind == "layout" ? DocumentKind::Layout : DocumentKind::Palette;
  if (std::filesystem::exists(args.output) && !args.force)
    throw Error("'" + args.output + "' exists; pass --force to replace it");
  std::vector<LayerSpec> specs;
  for (const std::string& text : args.layers) specs.push_back(parse_layer(text));
  if (kind == DocumentKind::Palette)
    for (const LayerSpec& s : specs)
      if (!s.mask.empty())
        throw Error("--layer '" + s.properties.name + "': a palette stores no masks (--kind layout)");

  DocumentContent start;
  start.width = args.width;
  start.height = args.height;
  if (!args.palette.empty()) {  // the palette's layers, settings and background, on this canvas
    const LoadedDocument base = load_document(args.palette);
    start = base.document.content();
    start.width = args.width;
    start.height = args.height;
    for (Layer& layer : start.layers) layer.mask = Mask(args.width, args.height);
  }
  validate_canvas_side("--width", args.width);
  validate_canvas_side("--height", args.height);
  Document doc(start);
  const auto given = [&](const char* name) { return args.command->get_option(name)->count() > 0; };
  GenerationSettings settings = doc.content().settings;
  if (given("--model")) settings.model = args.model;
  if (given("--sampler")) settings.sampler = parse_sampler(args.sampler, "--sampler");
  if (given("--steps")) settings.steps = args.steps;
  if (given("--guidance")) settings.guidance = args.guidance;
  if (given("--bootstrap-steps")) settings.bootstrap_steps = args.bootstrap_steps;
  if (given("--seed")) settings.seed = parse_seed(args.seed);  // -1: null, a new seed per render
  doc.set_settings(settings);
  Background background = doc.content().background;
  if (given("--background")) background.prompt = args.background;
  if (given("--negative")) background.negative_prompt = args.negative;
  doc.set_background(background);
  for (const LayerSpec& spec : specs) {
    const LayerId id = doc.add_layer(spec.properties);
    if (!spec.mask.empty()) doc.set_mask_from_image(id, read_image(spec.mask));
  }
  save_document(doc, args.output, kind);
  std::printf("wrote %s (%s, %dx%d, %zu layers)\n", args.output.c_str(), args.kind.c_str(), doc.width(),
              doc.height(), doc.layers().size());
}

double painted_share(const Mask& mask) {
  double sum = 0;
  for (int i = 0; i < mask.tile_count(); ++i)
    if (const MaskTile* t = mask.tile(i))
      for (uint8_t v : t->coverage) sum += v;
  return sum / 255.0 / (double(mask.width()) * mask.height());
}

// A prompt on one line, cut to `limit` bytes at a character boundary.
std::string one_line(std::string text, size_t limit) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (uint8_t(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

void run_show(const std::string& path) {
  const LoadedDocument file = load_document(path);
  const DocumentContent& c = file.document.content();
  const GenerationSettings& s = c.settings;
  std::printf("%s: %s, %dx%d, %zu layer%s\n", path.c_str(),
              file.kind == DocumentKind::Layout ? "layout" : "palette", c.width, c.height, c.layers.size(),
              c.layers.size() == 1 ? "" : "s");
  std::printf("settings: model %s, sampler %s, %d steps, guidance %g, bootstrapping %d step%s, seed %s\n",
              s.model.empty() ? "(none)" : s.model.c_str(), std::string(sampler_name(s.sampler)).c_str(), s.steps,
              s.guidance, s.bootstrap_steps, s.bootstrap_steps == 1 ? "" : "s",
              s.seed ? std::to_string(*s.seed).c_str() : "random");
  std::printf("background: \"%s\"", one_line(c.background.prompt, 200).c_str());
  if (!c.background.negative_prompt.empty())
    std::printf(" (negative: \"%s\")", one_line(c.background.negative_prompt, 200).c_str());
  if (c.background.image) std::printf(", image %dx%d", c.background.image->width, c.background.image->height);
  std::printf("\n");
  if (c.layers.empty()) return;
  // Brushes count from 1, bottom to top, as the app's 1–9 keys and its panel do.
  std::printf("%3s  %-16s %-8s %-3s %8s %6s %5s %8s  %s\n", "#", "name", "colour", "on", "strength", "mask",
              "blur", file.kind == DocumentKind::Layout ? "painted" : "", "prompt");
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const LayerProperties& p = c.layers[i].properties;
    char painted[16] = "";
    if (file.kind == DocumentKind::Layout)
      std::snprintf(painted, sizeof painted, "%.1f%%", 100 * painted_share(c.layers[i].mask));
    std::printf("%3zu  %-16s %-8s %-3s %8.2f %6.2f %5.1f %8s  %s\n", i + 1, one_line(p.name, 16).c_str(),
                to_string(p.color).c_str(), p.enabled ? "yes" : "no", p.prompt_strength, p.mask_strength,
                p.mask_blur, painted, one_line(p.prompt, 80).c_str());
  }
}

}  // namespace

void add_layout_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("layout", "Create and inspect palette and layout files");
  cmd->require_subcommand(1);

  CLI::App* make = cmd->add_subcommand("new", "Write a new layout (or palette) file");
  auto args = std::make_shared<NewArgs>();
  args->command = make;
  make->add_option("file", args->output, "The .json file to write")->required();
  make->add_option("--kind", args->kind, "layout (with masks) or palette (without)")->capture_default_str();
  make->add_option("--width,-W", args->width, "Canvas width, a multiple of 8 in 64…16384")
      ->capture_default_str();
  make->add_option("--height,-H", args->height, "Canvas height, a multiple of 8 in 64…16384")
      ->capture_default_str();
  make->add_option("--palette", args->palette, "Start from this palette's layers, settings and background");
  make->add_option("--layer,-l", args->layers,
                   "A layer NAME:#RRGGBB:PROMPT, or NAME:#RRGGBB:PROMPT:MASK.png with its mask from an image "
                   "(gray, or alpha; resized to the canvas). Repeatable, bottom to top");
  make->add_option("--background,-b", args->background, "The background prompt");
  make->add_option("--negative,-n", args->negative, "The background's negative prompt");
  make->add_option("--model,-m", args->model, "The model the layout renders with (a folder or file)");
  make->add_option("--sampler", args->sampler, sampler_help(true, "lcm"));
  make->add_option("--steps", args->steps, "Denoising steps");
  make->add_option("--guidance,-g", args->guidance, "Classifier-free guidance scale in [0, 100]");
  make->add_option("--bootstrap-steps", args->bootstrap_steps,
                   "First steps that draw each layer on white, centred in its mask (default: the palette's, else "
                   "1; the built-in model's examples: 0)");
  make->add_option("--seed,-s", args->seed,
                   "Noise seed 0 … 2^64 − 1; -1: a new random one per render (the default)");
  make->add_flag("--force,-f", args->force, "Replace an existing file");
  make->callback([args] { run_new(*args); });

  CLI::App* show = cmd->add_subcommand("show", "Print a palette or layout file's settings and layers");
  auto path = std::make_shared<std::string>();
  show->add_option("file", *path, "The .json file to read")->required();
  show->callback([path] { run_show(*path); });
}

}  // namespace palette::cli
