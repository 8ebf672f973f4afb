#include "cli/layout_render.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>

#include "cli/model_choice.h"
#include "cli/picture_info.h"
#include "cli/png_output.h"
#include "cli/progress.h"
#include "cli/seed_option.h"
#include "palette/background_image.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/document_requests.h"
#include "palette/model.h"
#include "palette/regions.h"

namespace palette::cli {

namespace {

// The value of `name` when the user gave it.
template <typename T>
std::optional<T> given(const CLI::App& render, const std::string& name) {
  const CLI::Option* option = render.get_option_no_throw(name);
  if (option == nullptr || option->count() == 0) return std::nullopt;
  return option->as<T>();
}

// The size a picture's layout was rendered at, when that was not its canvas (png_export.cpp records it
// as "render_size"), so that it renders again as it was; else the canvas's.
std::pair<int, int> recorded_render_size(const DocumentContent& content, int width, int height) {
  const auto size = content.extras.top.find("render_size");
  if (size == content.extras.top.end() || !size->is_object()) return {width, height};
  const auto side = [&](const char* key, int fallback) {
    const auto v = size->find(key);
    return v != size->end() && v->is_number_integer() && v->get<int64_t>() > 0 && v->get<int64_t>() <= kMaxImageSide
               ? int(v->get<int64_t>())
               : fallback;
  };
  return {side("width", width), side("height", height)};
}

}  // namespace

void run_layout_render(const std::string& layout, const CLI::App& render, const ModelArgs& model_args) {
  const std::string output = given<std::string>(render, "--output").value_or("");
  if (given<std::string>(render, "--negative"))
    throw Error("--negative is not used with --layout (the layout holds its own negative prompts)");
  LoadedDocument file = load_document(layout);
  Document& doc = file.document;
  GenerationSettings settings = doc.content().settings;
  if (auto v = given<std::string>(render, "--sampler")) settings.sampler = parse_sampler(*v, "--sampler");
  if (auto v = given<int>(render, "--steps")) settings.steps = *v;
  if (auto v = given<double>(render, "--guidance")) settings.guidance = *v;
  // Chosen here rather than by the engine so it is on screen before the long part starts.
  // -1 asks for a random seed even when the layout holds one.
  const auto seed_text = given<std::string>(render, "--seed");
  const std::optional<uint64_t> seed = seed_text ? parse_seed(*seed_text) : settings.seed;
  settings.seed = seed ? *seed : random_seed();
  doc.set_settings(settings);  // throws naming settings.* for a bad override
  if (auto picture = given<std::string>(render, "--background")) {
    Background background = doc.content().background;
    background.image = std::make_shared<const Image>(read_background_image(*picture));
    doc.set_background(background);
  }

  const std::shared_ptr<const Snapshot> snapshot = doc.snapshot();
  RegionRequest request = region_request(*snapshot);
  const auto [recorded_width, recorded_height] = recorded_render_size(doc.content(), request.width, request.height);
  request.width = given<int>(render, "--width").value_or(recorded_width);
  request.height = given<int>(render, "--height").value_or(recorded_height);
  validate_region_request(request);
  if (request.background.image) {
    const std::string note = background_size_note(*request.background.image, request.width, request.height);
    if (!note.empty()) std::cout << "note: " << note << std::endl;
  }
  check_png_output(output);
  const ModelChoice choice = choose_model(given<std::string>(render, "--model").value_or(""), layout, settings.model);
  const ModelOptions model_options = to_model_options(model_args);

  std::cout << "seed " << *settings.seed << std::endl;
  const Model model = load_chosen_model(choice, model_options);
  ProgressBar progress;
  request.progress = [&progress](int step, int total) { progress(step, total); };
  const RegionResult result = render_regions(model, request);
  export_png(output, result.image, *snapshot, export_options(choice, result.seed, model_args));
  // An SDXL model steps with Euler on the schedule the layout's sampler names.
  const std::string sampler = result.sampler == Sampler::lcm ? std::string(sampler_name(settings.sampler))
                                                             : std::string(sampler_name(result.sampler)) + " (trailing)";
  std::printf("wrote %s (%dx%d, %zu of %zu layers, %s %d steps, seed %llu) in %.1f s\n", output.c_str(),
              result.image.width, result.image.height, request.layers.size(), snapshot->layers.size(),
              sampler.c_str(), settings.steps,
              static_cast<unsigned long long>(result.seed),
              result.timings.total_ms / 1000.0);
}

}  // namespace palette::cli
