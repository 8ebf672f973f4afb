// `palette panorama`: a wide picture from a prompt (MultiDiffusion, optionally with SyncDiffusion, or the
// fast tiled method), written as a PNG whose "parameters" text chunk holds the settings needed to make
// it again, as AUTOMATIC1111 writes them (infotext). With --lpips it also prints the picture's coherence (intra-LPIPS).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>

#include "cli/commands.h"
#include "cli/png_output.h"
#include "cli/model_choice.h"
#include "cli/model_options.h"
#include "cli/picture_info.h"
#include "cli/progress.h"
#include "cli/sampler_option.h"
#include "cli/seed_option.h"
#include "palette/error.h"
#include "palette/image.h"
#include "palette/infotext.h"
#include "palette/model.h"
#include "palette/panorama.h"
#include "palette/version.h"
#include "palette/utf8.h"

namespace palette::cli {

namespace {

struct PanoramaArgs {
  std::string model, prompt, negative, method = "multidiffusion", sampler, output;
  int steps = 0;
  double guidance = 0;
  int width = PanoramaOptions{}.width;
  int height = PanoramaOptions{}.height;
  int window = 0, stride = 0;
  int view_batch = PanoramaOptions{}.view_batch_size;
  bool circular = false;
  bool sync = false, sync_fast = false;
  double sync_weight = SyncOptions{}.weight, sync_decay = SyncOptions{}.decay;
  int sync_steps = SyncOptions{}.steps, sync_batch = SyncOptions{}.gradient_batch;
  std::string lpips, sync_decoder = "vae";
  std::string seed;                       // read by parse_seed
  CLI::Option* seed_option = nullptr;      // counts whether --seed was given
  CLI::Option* guidance_option = nullptr;  // counts whether --guidance was given
  ModelArgs model_args;
};

PanoramaOptions to_options(const PanoramaArgs& args) {
  check_utf8(args.prompt, "--prompt");
  check_utf8(args.negative, "--negative");
  PanoramaOptions options;
  options.prompt = args.prompt;
  options.negative_prompt = args.negative;
  options.method = parse_panorama_method(args.method);
  if (!args.sampler.empty()) options.sampler = text_sampler(args.sampler);
  options.steps = args.steps;
  if (args.guidance_option->count() > 0) options.guidance = args.guidance;
  options.width = args.width;
  options.height = args.height;
  options.circular = args.circular;
  options.window = args.window;
  options.stride = args.stride;
  options.view_batch_size = args.view_batch;
  if (args.sync) {
    if (args.lpips.empty())
      throw Error(
          "--sync needs LPIPS weights: pass --lpips FILE, a safetensors file with the LPIPS v0.1 "
          "trunk and linear heads (README.md, \"LPIPS weights\")");
    options.sync.enabled = true;
    options.sync.weight = args.sync_weight;
    options.sync.decay = args.sync_decay;
    options.sync.steps = args.sync_steps;
    options.sync.lpips = args.lpips;
    options.sync.fast = args.sync_fast;
    options.sync.decoder = parse_sync_decoder(args.sync_decoder);
    options.sync.gradient_batch = args.sync_batch;
    if (options.sync.decoder == SyncDecoder::taesd && !options.sync.fast)
      throw Error("--sync-decoder taesd needs --sync-fast (the exact mode decodes with the VAE)");
  }
  // Chosen here rather than by the engine so it is on screen before the long part starts.
  const auto seed = args.seed_option->count() > 0 ? parse_seed(args.seed) : std::nullopt;
  options.seed = seed ? *seed : random_seed();
  return options;
}

// A1111's infotext (palette/infotext.h) with the values that ran, then ours: the method and its view
// grid (pixels), and SyncDiffusion's settings when it ran.
std::string infotext(const PanoramaArgs& args, const ModelChoice& model, const PanoramaOptions& options,
                     const PanoramaResult& result) {
  Infotext info;
  info.prompt = options.prompt;
  info.negative_prompt = options.negative_prompt;
  add_generation_fields(info, {.steps = result.steps,
                               .sampler = result.sampler,
                               .guidance = result.guidance,
                               .seed = result.seed,
                               .width = result.image.width,
                               .height = result.image.height,
                               .model = model.path});
  info.add("Panorama", panorama_method_name(options.method));
  info.add("Window", std::to_string(result.window));
  info.add("Stride", std::to_string(result.stride));
  if (options.circular) info.add("Circular", "True");
  if (options.sync.enabled) {
    const SyncOptions& s = options.sync;
    info.add("SyncDiffusion", s.fast ? "fast" : "exact");
    info.add("Sync weight", infotext_number(s.weight));
    info.add("Sync decay", infotext_number(s.decay));
    info.add("Sync steps", std::to_string(s.steps));
    if (s.fast) info.add("Sync decoder", sync_decoder_name(s.decoder));
    if (s.fast) info.add("Sync batch", std::to_string(s.gradient_batch));
  }
  info.add("LoRA", lora_names(args.model_args));
  info.add("Version", "Semantic Palette " + version());
  return format_infotext(info);
}

// The SyncDiffusion paper's intra-LPIPS over square tiles as tall as the picture (at most 512 pixels,
// the paper's), when at least two fit side by side.
void print_coherence(const Image& image, LpipsImpl& lpips) {
  const int tile = std::min(image.height, 512);
  const int tiles = (image.width / tile) * (image.height / tile);
  if (tiles < 2) {
    std::printf("coherence: not measured (fewer than two %dx%d tiles)\n", tile, tile);
    return;
  }
  std::printf("coherence: intra-LPIPS %.6f over %d pairs of %dx%d tiles (lower = more alike)\n",
              panorama_coherence(image, lpips, tile), tiles * (tiles - 1) / 2, tile, tile);
}

void run_panorama(const PanoramaArgs& args) {
  const ModelChoice choice = choose_model(args.model);
  PanoramaOptions options = to_options(args);
  validate_panorama_options(options);
  check_png_output(args.output);
  const ModelOptions model_options = to_model_options(args.model_args);

  // LPIPS before the model: a wrong file fails in a moment, not after the model has loaded.
  std::shared_ptr<LpipsImpl> lpips;
  if (!args.lpips.empty()) lpips = load_panorama_lpips(args.lpips, model_options.device);
  options.sync.lpips_model = lpips;

  std::cout << "seed " << *options.seed << std::endl;
  const auto start = std::chrono::steady_clock::now();
  const Model model = load_chosen_model(choice, model_options);
  // MultiDiffusion samples as the model is meant to unless told otherwise (the built-in model: LCM, 5
  // steps, no CFG); the tiled method has its own LCM schedule.
  const NativeSettings& native = model.info().native;
  if (options.method == PanoramaMethod::multidiffusion && native.sampler) {
    if (args.sampler.empty()) options.sampler = native.sampler;
    if (options.steps == 0) options.steps = native.steps;
    if (!options.guidance) options.guidance = native.guidance;
  }
  ProgressBar progress;
  options.progress = [&progress](int step, int total) { progress(step, total); };
  const PanoramaResult result = render_panorama(model, options);
  // No layout chunk: a panorama is not a layout, so it does not reopen as one.
  write_png(args.output, result.image, {{"parameters", infotext(args, choice, options, result)}});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const char* sync = !options.sync.enabled ? "" : options.sync.fast ? " + sync (fast)" : " + sync";
  const std::string sampler(sampler_name(result.sampler));
  std::printf("wrote %s (%dx%d, %s%s, %s, %d views, seed %llu) in %.1f s\n", args.output.c_str(),
              result.image.width, result.image.height, panorama_method_name(options.method), sync,
              sampler.c_str(), result.views, static_cast<unsigned long long>(result.seed), seconds);
  if (lpips) print_coherence(result.image, *lpips);
}

}  // namespace

void add_panorama_command(CLI::App& root) {
  CLI::App* cmd =
      root.add_subcommand("panorama", "Make a wide picture from a text prompt (MultiDiffusion or tiled)");
  auto args = std::make_shared<PanoramaArgs>();
  cmd->add_option("--model,-m", args->model,
                  "A diffusers folder or a single .safetensors checkpoint (default: the built-in default model)");
  cmd->add_option("--prompt,-p", args->prompt, "What to paint")->required();
  cmd->add_option("--negative,-n", args->negative,
                  "What to keep out of the picture (used when guidance > 1)");
  cmd->add_option("--method", args->method,
                  "multidiffusion (diffusers' MultiDiffusion: DDIM 50 steps, CFG 7.5, exact but slow) or "
                  "tiled (the StreamMultiDiffusion authors' fast panorama: LCM 5 steps, for LCM models)")
      ->capture_default_str();
  cmd->add_flag("--circular,--loop", args->circular,
                "Wrap around horizontally: a seamless 360-degree panorama (loop closure)");
  cmd->add_option("--sampler", args->sampler,
                  sampler_help(false, "multidiffusion the model's own, tiled lcm; not lcm_stream"));
  cmd->add_option("--steps", args->steps, "Denoising steps (default: the method's)");
  args->guidance_option = cmd->add_option("--guidance,-g", args->guidance,
                                          "Classifier-free guidance scale in [0, 100]; <= 1 turns CFG off (default: "
                                          "multidiffusion 7.5, tiled 1)");
  args->seed_option = cmd->add_option(
      "--seed,-s", args->seed,
      "Noise seed 0 … 2^64 − 1, as torch.Generator().manual_seed; -1: random (the default; printed)");
  cmd->add_option("--width,-W", args->width, "Width in pixels, a multiple of 8, at least 64")
      ->capture_default_str();
  cmd->add_option("--height,-H", args->height, "Height in pixels, a multiple of 8, at least 64")
      ->capture_default_str();
  cmd->add_option("--window", args->window,
                  "View size in latents (pixels / 8); default 64 (tiled: at most the "
                  "shorter side)");
  cmd->add_option("--stride", args->stride, "multidiffusion: view step in latents (default 8)");
  cmd->add_option("--view-batch", args->view_batch, "Views per UNet call (speed and memory only)")
      ->capture_default_str();
  CLI::Option* sync = cmd->add_flag(
      "--sync", args->sync,
      "SyncDiffusion: gradient steps on LPIPS towards the middle view make the views agree in style "
      "(multidiffusion only; default stride 16; needs --lpips)");
  cmd->add_option("--sync-weight", args->sync_weight, "SyncDiffusion's step size w at the first step")
      ->capture_default_str()
      ->needs(sync);
  cmd->add_option("--sync-decay", args->sync_decay, "w is multiplied by this every step")
      ->capture_default_str()
      ->needs(sync);
  cmd->add_option("--sync-steps", args->sync_steps, "Sync on the first N denoising steps")
      ->capture_default_str()
      ->needs(sync);
  cmd->add_flag("--sync-fast", args->sync_fast,
                "Batch the views' gradients (--sync-batch at a time); allows --sync-decoder taesd")
      ->needs(sync);
  cmd->add_option("--sync-decoder", args->sync_decoder,
                  "vae or taesd (with --sync-fast and --taesd): the decoder in the gradient path")
      ->capture_default_str()
      ->needs(sync);
  cmd->add_option("--sync-batch", args->sync_batch, "With --sync-fast: views per gradient pass")
      ->capture_default_str()
      ->needs(sync);
  cmd->add_option("--lpips", args->lpips,
                  "LPIPS v0.1 weights (safetensors; README \"LPIPS weights\"): needed by --sync, and prints "
                  "the picture's coherence");
  cmd->add_option("-o,--output", args->output, "The PNG file to write")->required();
  add_model_options(*cmd, args->model_args);
  cmd->callback([args] { run_panorama(*args); });
}

}  // namespace palette::cli
