// `palette stream`: runs the real-time region engine on a saved layout for a number of frames, writes
// them as PNGs and reports frames per second with a per-stage breakdown. The headless counterpart of
// the app's live view, and a quick way to see what a model does with a layout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/model_choice.h"
#include "cli/model_options.h"
#include "cli/picture_info.h"
#include "cli/png_output.h"
#include "cli/seed_option.h"
#include "palette/document_file.h"
#include "palette/error.h"
#include "palette/document_requests.h"
#include "palette/model.h"
#include "palette/stream.h"

namespace palette::cli {

namespace {

struct StreamArgs {
  std::string model, layout, output, decoder = "auto", mask_type = "continuous", mode = "multidiffusion";
  int frames = 30;
  int width = 0, height = 0;  // 0: the layout's canvas
  std::string seed;  // read by parse_seed
  CLI::Option* seed_option = nullptr;
  bool profile = false;
  ModelArgs model_args;
};

StreamDecoder parse_decoder(const std::string& name) {
  if (name == "auto") return StreamDecoder::Auto;
  if (name == "taesd") return StreamDecoder::Taesd;
  if (name == "vae") return StreamDecoder::Vae;
  throw Error("--decoder: unknown decoder '" + name + "' (auto, taesd or vae)");
}

RegionMaskType parse_mask_type(const std::string& name) {
  if (name == "discrete") return RegionMaskType::Discrete;
  if (name == "semi-continuous") return RegionMaskType::SemiContinuous;
  if (name == "continuous") return RegionMaskType::Continuous;
  throw Error("--mask-type: unknown mask type '" + name + "' (discrete, semi-continuous or continuous)");
}

StreamMode parse_mode(const std::string& name) {
  if (name == "multidiffusion") return StreamMode::MultiDiffusion;
  if (name == "regional") return StreamMode::RegionalAttention;
  throw Error("--mode: unknown mode '" + name + "' (multidiffusion or regional)");
}

// What "auto" chose (palette/stream.h): TAESD when the model has one.
std::string decoder_used(StreamDecoder decoder, const ModelInfo& model) {
  if (decoder == StreamDecoder::Taesd) return "taesd";
  if (decoder == StreamDecoder::Vae) return "vae";
  for (const ComponentInfo& c : model.components)
    if (c.name == "taesd") return "taesd";
  return "vae";
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void run_stream(const StreamArgs& args) {
  if (args.frames < 1) throw Error("--frames " + std::to_string(args.frames) + " must be at least 1");
  const LoadedDocument file = load_document(args.layout);
  const std::shared_ptr<const Snapshot> layout = file.document.snapshot();
  const DocumentContent& content = *layout;
  const ModelChoice model_choice = choose_model(args.model, args.layout, content.settings.model);
  StreamSettings settings;
  settings.sampling = region_sampling(content.settings);
  settings.sampling.mask_type = parse_mask_type(args.mask_type);
  settings.decoder = parse_decoder(args.decoder);
  settings.mode = parse_mode(args.mode);
  settings.profile_stages = args.profile;
  // -1 asks for a random seed even when the layout holds one.
  const bool seed_given = args.seed_option->count() > 0;
  const std::optional<uint64_t> asked = seed_given ? parse_seed(args.seed) : content.settings.seed;
  const uint64_t seed = asked ? *asked : random_seed();
  StreamSnapshotMaker to_stream;
  StreamSnapshot snapshot = *to_stream(*layout);
  snapshot.seed = seed;
  if (args.width > 0) snapshot.width = args.width;
  if (args.height > 0) snapshot.height = args.height;
  for (const auto& [side, value] : {std::pair{"--width", snapshot.width}, std::pair{"--height", snapshot.height}})
    if (value < 64 || value % 8 != 0)
      throw Error(std::string(side) + " " + std::to_string(value) + " must be a multiple of 8, at least 64");
  const size_t painted = region_request(content).layers.size();
  prepare_output_folder(args.output, "-o");

  std::cout << "seed " << seed << std::endl;
  const Model model = load_chosen_model(model_choice, to_model_options(args.model_args));
  StreamEngine engine(model, settings);
  // Every frame carries its layout and how the stream made it (png_export.cpp); it reopens as the layout.
  PngExportOptions picture = export_options(model_choice, seed, args.model_args);
  picture.fields = {{"Pipeline", "stream"},
                    {"Mode", args.mode},
                    {"Mask type", args.mask_type},
                    {"Decoder", decoder_used(settings.decoder, model.info())}};
  const PngText layout_chunk = layout_png_chunk(content, snapshot.width, snapshot.height, picture);
  std::printf("filling the stream's %d slots at %dx%d…\n", engine.slots(), snapshot.width, snapshot.height);
  std::fflush(stdout);
  auto start = std::chrono::steady_clock::now();
  engine.apply(snapshot);  // the first snapshot fills every slot (along the diagonal)
  const double fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("filled in %.2f s; making %d frames\n", fill_s, args.frames);

  std::vector<double> frame_ms;
  StreamTimings sum;
  start = std::chrono::steady_clock::now();
  for (int i = 1; i <= args.frames; ++i) {
    const StreamFrame frame = engine.step();
    frame_ms.push_back(frame.timings.total_ms);
    sum.unet_ms += frame.timings.unet_ms;
    sum.blend_ms += frame.timings.blend_ms;
    sum.decode_ms += frame.timings.decode_ms;
    sum.copy_ms += frame.timings.copy_ms;
    char name[32];
    std::snprintf(name, sizeof name, "frame_%05d.png", i);
    PngExportOptions frame_picture = picture;
    frame_picture.fields.emplace_back("Frame", std::to_string(i));
    const Infotext info = layout_infotext(content, frame.image.width, frame.image.height, frame_picture);
    write_png(std::filesystem::path(args.output) / name, frame.image, {{"parameters", format_infotext(info)}, layout_chunk});
    std::printf("\rframe %d/%d (%.0f ms)", i, args.frames, frame.timings.total_ms);
    std::fflush(stdout);
  }
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double engine_s = [&] {
    double ms = 0;
    for (double f : frame_ms) ms += f;
    return ms / 1000.0;
  }();
  std::printf("\n%d frames of %dx%d with %zu painted layers, %d slots (stream filled in %.2f s)\n", args.frames,
              snapshot.width, snapshot.height, painted, engine.slots(), fill_s);
  std::printf("engine: %.2f frames/s (median frame %.1f ms); with PNG writing: %.2f frames/s\n",
              args.frames / engine_s, median(frame_ms), args.frames / total_s);
  if (args.profile) {
    const double n = args.frames;
    std::printf("per frame: unet %.1f ms, blend %.1f ms, decode %.1f ms, copy %.1f ms\n", sum.unet_ms / n,
                sum.blend_ms / n, sum.decode_ms / n, sum.copy_ms / n);
  }
  std::printf("wrote %s/frame_00001.png … frame_%05d.png\n", args.output.c_str(), args.frames);
}

}  // namespace

void add_stream_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("stream", "Run the real-time region engine on a layout and write its frames");
  auto args = std::make_shared<StreamArgs>();
  cmd->add_option("--model,-m", args->model,
                  "A diffusers folder or .safetensors checkpoint (default: the layout's settings.model, else the "
                  "built-in default model)");
  cmd->add_option("--layout,-l", args->layout, "A layout file (JSON, with masks)")->required();
  cmd->add_option("--frames", args->frames, "How many frames to make")->capture_default_str();
  cmd->add_option("--width,-W", args->width, "Frame width in pixels, a multiple of 8 (default: the layout's canvas)");
  cmd->add_option("--height,-H", args->height, "Frame height in pixels, a multiple of 8 (default: the layout's canvas)");
  cmd->add_option("-o,--output", args->output, "The folder to write frame_00001.png … into")->required();
  args->seed_option = cmd->add_option("--seed,-s", args->seed,
                                      "Noise seed 0 … 2^64 − 1; -1: random (default: the layout's, else random)");
  cmd->add_option("--decoder", args->decoder, "auto (TAESD when given), taesd or vae")->capture_default_str();
  cmd->add_option("--mask-type", args->mask_type, "discrete, semi-continuous or continuous")
      ->capture_default_str();
  cmd->add_option("--mode", args->mode,
                  "multidiffusion (exact: one UNet item per layer and slot) or regional (regional "
                  "cross-attention: one item per slot)")
      ->capture_default_str();
  cmd->add_flag("--profile", args->profile, "Time every stage (synchronises the device between stages)");
  add_model_options(*cmd, args->model_args);
  cmd->callback([args] { run_stream(*args); });
}

}  // namespace palette::cli
