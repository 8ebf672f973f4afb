// `palette bench`: the engine's speed on the workloads of the GPU-speed issue, on a real model or, by
// default, on one with Stable Diffusion 1.5's shapes and random weights built in memory (speed does
// not depend on the weights' values). Prints one table; bench/RESULTS.md records the runs.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/bench_workloads.h"
#include "cli/commands.h"
#include "cli/model_options.h"
#include "kernels/fused_ops.h"
#include "models/model_parts.h"
#include "pipelines/pipeline_common.h"
#include "palette/error.h"
#include "palette/infotext.h"
#include "palette/model.h"

namespace palette::cli {

namespace {

struct BenchArgs {
  std::string model;
  std::string workloads = "all";
  std::string shape = "sd15";  // the random model's shapes when no --model is given
  BenchSettings settings;
  bool no_graphs = false;
  bool channels_last = false;
  bool no_fused = false;
  ModelArgs model_args;
};

// `sdxl`: "all" leaves out what does not run on SDXL yet, and naming such a workload is an error.
std::vector<const BenchWorkload*> selected(const std::string& list, bool sdxl) {
  std::vector<const BenchWorkload*> chosen;
  std::string names;
  for (const auto& w : bench_workloads()) names += (names.empty() ? "" : ", ") + w.name;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    bool found = false;
    for (const auto& w : bench_workloads())
      if ((name == "all" && w.name != "profile" && w.name != "churn" && (w.runs_on_sdxl || !sdxl)) || w.name == name) {
        if (sdxl && !w.runs_on_sdxl)
          throw Error("--workloads: '" + name + "' does not run on SDXL models yet (it measures the stream, or SD 1.5's "
                      "attention shapes)");
        chosen.push_back(&w);
        found = true;
      }
    if (!found) throw Error("--workloads: unknown workload '" + name + "' (" + names + ", or all)");
  }
  if (chosen.empty()) throw Error("--workloads: no workload given (" + names + ", or all)");
  return chosen;
}

void run_bench(BenchArgs args) {
  selected(args.workloads, false);  // names checked before a model is loaded
  if (args.shape != "sd15" && args.shape != "sdxl")
    throw Error("--shape: unknown shape '" + args.shape + "' (sd15 or sdxl)");
  if (!args.model.empty() && args.shape != "sd15") throw Error("--shape is for the random model: not with --model");
  if (args.settings.warmup < 0 || args.settings.repeat < 1 || args.settings.frames < 1)
    throw Error("--warmup must be ≥ 0, --repeat and --frames ≥ 1");
  args.settings.cuda_graphs = !args.no_graphs;
  if (args.settings.stream_mode != "multidiffusion" && args.settings.stream_mode != "regional")
    throw Error("--stream-mode: unknown mode '" + args.settings.stream_mode + "' (multidiffusion or regional)");
  if (args.settings.live_decodes != "app" && args.settings.live_decodes != "every" &&
      args.settings.live_decodes != "changes")
    throw Error("--live-decodes: unknown choice '" + args.settings.live_decodes + "' (app, every or changes)");
  pipeline::check_guidance("--live-guidance", args.settings.live_guidance);
  if (args.settings.live_steps < 0 || args.settings.live_steps > 50)
    throw Error("--live-steps " + std::to_string(args.settings.live_steps) + " must be in [1, 50] (0: the default)");
  if (args.settings.live_side != 0 && (args.settings.live_side < 64 || args.settings.live_side % 8 != 0))
    throw Error("--live-side " + std::to_string(args.settings.live_side) + " must be a multiple of 8, at least 64");
  if (!(args.settings.churn_seconds >= 1 && args.settings.churn_seconds <= 3600))
    throw Error("--churn-seconds " + infotext_number(args.settings.churn_seconds) + " must be in [1, 3600]");
  if (!(args.settings.churn_check_seconds >= 1 && args.settings.churn_check_seconds <= 600))
    throw Error("--churn-check-seconds " + infotext_number(args.settings.churn_check_seconds) + " must be in [1, 600]");
  parse_churn_edits(args.settings.churn_edits);  // named edits checked before a model is loaded
  ModelOptions options = to_model_options(args.model_args);
  options.fused_kernels = !args.no_fused;
  // Fixed shapes everywhere: let cuDNN time its algorithms once per shape and keep the fastest.
  if (options.device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);

  auto start = std::chrono::steady_clock::now();
  const Model model =
      args.model.empty()
          ? Model::random(args.shape == "sdxl" ? RandomModelConfigs::sdxl() : RandomModelConfigs::sd15(), options)
          : Model::load(args.model, options);
  const auto workloads = selected(args.workloads, model_parts(model).family == ModelFamily::Sdxl);
  if (args.channels_last) {
    // An experiment: cuDNN's tensor-core convolutions work in NHWC, so NCHW activations are transposed
    // around each one; channels-last weights make the convolutions produce and take NHWC directly.
    torch::NoGradGuard no_grad;
    UNet2DConditionModel unet = model_parts(model).unet;  // handles on the shared modules
    AutoencoderKL vae = model_parts(model).vae;
    std::vector<torch::Tensor> params = unet->parameters();
    for (const auto& p : vae->parameters()) params.push_back(p);
    for (auto& p : params)
      if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
  }
  std::printf("fused CUDA kernels: %s\n",
              !fused::kernels_built() ? "not built" : options.fused_kernels ? "on" : "off");
  std::printf("model: %s, %s on %s in %s (ready in %.1f s)\n", model.info().family.c_str(), model.info().format.c_str(),
              model.info().device.c_str(), model.info().dtype.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  std::printf("%-66s %10s %9s %9s  %s\n", "workload", "median ms", "frames/s", "TFLOP/s≈", "detail");
  for (const BenchWorkload* w : workloads) {
    for (const BenchRow& row : w->run(model, args.settings)) {
      const double tflops = row.unet_gflop > 0 && row.median_ms > 0 ? row.unet_gflop / row.median_ms  // GFLOP/ms = TFLOP/s
                                                                    : 0.0;
      std::printf("%-66s %10.2f %9s %9s  %s\n", row.workload.c_str(), row.median_ms,
                  row.per_second > 0 ? std::to_string(row.per_second).substr(0, 6).c_str() : "",
                  tflops > 0 ? std::to_string(tflops).substr(0, 6).c_str() : "", row.detail.c_str());
      std::fflush(stdout);
    }
  }
  std::printf("TFLOP/s≈: UNet work only (counted from its configuration as PyTorch's FLOP counter counts it: %.0f GFLOP "
              "per %d² sample) over the median time.\n",
              unet_gflop(model, model.info().native.side, model.info().native.side), model.info().native.side);
}

}  // namespace

void add_bench_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand("bench", "Measure the engine's speed (default: SD 1.5 shapes, random weights)");
  auto args = std::make_shared<BenchArgs>();
  std::string help = "Comma-separated workloads, or all:";
  for (const auto& w : bench_workloads()) help += "\n  " + w.name + ": " + w.description;
  cmd->add_option("--model,-m", args->model, "A real model to measure instead of the random SD 1.5-shaped one");
  cmd->add_option("--shape", args->shape,
                  "The random model's shapes: sd15, or sdxl (UNet 320/640/1280, depths 1/2/10, both text encoders, "
                  "SDXL's VAE, TAESD; its stream workload is stream1024, in either --stream-mode)")
      ->capture_default_str();
  cmd->add_option("--workloads,-w", args->workloads, help)->capture_default_str();
  cmd->add_option("--warmup", args->settings.warmup, "Untimed runs before measuring")->capture_default_str();
  cmd->add_option("--repeat", args->settings.repeat, "Timed runs of one-shot workloads")->capture_default_str();
  cmd->add_option("--frames", args->settings.frames, "Timed frames of stream workloads")->capture_default_str();
  cmd->add_option("--live-steps", args->settings.live_steps,
                  "-w live: LCM steps, as many stream slots (default: the stream's own schedule, 5; the app uses 3 on a CPU)");
  cmd->add_option("--live-guidance", args->settings.live_guidance,
                  "-w live: classifier-free guidance (default 1: none; the built-in model's examples use 1.25)")
      ->capture_default_str();
  cmd->add_option("--live-side", args->settings.live_side,
                  "-w live: the canvas side (default: the app's live size, 256 on a CPU, 512 on a GPU)");
  cmd->add_option("--live-decodes", args->settings.live_decodes,
                  "-w live: which frames are decoded: app (as the app does: on a CPU without a tiny decoder only the "
                  "first after an edit and the settled one; with one, every frame and the settled one again by the "
                  "full VAE), every, changes (both by the frames' decoder alone)")
      ->capture_default_str();
  cmd->add_flag("--live-stepwise", args->settings.live_stepwise,
                "-w live: settle each change by stream steps instead of at once along the diagonal, as the app did "
                "before (for before/after numbers)");
  cmd->add_option("--churn-seconds", args->settings.churn_seconds, "-w churn: how long the edits go on")
      ->capture_default_str();
  cmd->add_option("--churn-edits", args->settings.churn_edits,
                  "-w churn: which edits, comma-separated: stroke, prompt, layers (brushes added and removed), modes "
                  "(live-mode switches, each a new stream once the old one has stopped, as in the app), checks (the app's "
                  "picture check once a minute: a fresh eager render beside the stream)")
      ->capture_default_str();
  cmd->add_option("--churn-check-seconds", args->settings.churn_check_seconds,
                  "-w churn with checks: seconds between picture checks, 1 to 600, at most a third of --churn-seconds (the "
                  "app's long run: one a minute)")
      ->capture_default_str();
  cmd->add_option("--profile-dir", args->settings.profile_dir, "Where -w profile writes its traces")
      ->capture_default_str();
  cmd->add_flag("--no-fused", args->no_fused, "Without the fused CUDA kernels and NHWC UNet, for before/after numbers");
  cmd->add_flag("--no-graphs", args->no_graphs, "Run the UNet eagerly (no CUDA graphs), for before/after numbers");
  cmd->add_option("--stream-mode", args->settings.stream_mode,
                  "Stream workloads: multidiffusion (exact blend, batch T·p) or regional (attention, batch T)")
      ->capture_default_str();
  cmd->add_flag("--channels-last", args->channels_last, "Store the UNet's and VAE's convolution weights channels-last");
  add_model_options(*cmd, args->model_args);
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace palette::cli
