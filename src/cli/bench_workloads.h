// The workloads of `palette bench`: each runs one kind of work on a model after warm-up and returns
// its timings. They call the engine's public entry points (render_regions, render_panorama,
// StreamEngine), so what is measured is what a user of the engine gets.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "palette/model.h"
#include "palette/stream.h"

namespace palette::cli {

struct BenchSettings {
  int warmup = 2;        // untimed runs first (graph recording, cuDNN algorithm search)
  int repeat = 5;        // timed runs (one-shot workloads)
  int frames = 100;      // timed frames (stream workloads)
  bool cuda_graphs = true;
  std::string stream_mode = "multidiffusion";  // the stream engine's mode
  std::string profile_dir = ".";              // where the profile workload writes its traces
  double live_guidance = 1.0;  // the live workload's classifier-free guidance (≤ 1: none)
  int live_steps = 0;  // the live workload's LCM steps (= stream slots); 0: the engine's default schedule
  int live_side = 0;  // the live workload's canvas side; 0: the app's live size (256 on a CPU, 512 on a GPU)
  std::string live_decodes = "app";  // the live workload's decoded frames: app (as the app does), every, changes
                                     // (the last two without the app's settled VAE decode)
  bool live_stepwise = false;  // the live workload settles by stream steps, not at once (before/after numbers)
  double churn_seconds = 120;  // the churn workload's length
  std::string churn_edits = "stroke,prompt,layers,modes";  // the churn workload's kinds of edit
  double churn_check_seconds = 60;  // with `checks`: seconds between picture checks (the app's long run: a minute)
};

struct BenchRow {
  std::string workload;   // e.g. "stream 512×512, bg + 3 layers, 5 LCM steps, TAESD"
  double median_ms = 0;   // per run or per frame
  double per_second = 0;  // frames/s for streams, 0 otherwise
  double unet_gflop = 0;  // the UNet's work per run/frame (models/unet/unet_flops.h), for TFLOP/s
  std::string detail;     // per-stage breakdown or notes
};

struct BenchWorkload {
  std::string name;         // as given to --workloads
  std::string description;  // one line for --help
  std::function<std::vector<BenchRow>(const Model&, const BenchSettings&)> run;
  bool runs_on_sdxl = false;  // measured on SDXL models: at SDXL's size (1024²), not SD 1.5's (512², 768²) or attention shapes
};

// The stream the stream workloads measure: `side`² with three layers over a background picture (the
// reference's set-up) or over the background prompt as an all-ones layer, in settings.stream_mode;
// applied, not yet stepped. `profile`: per-stage timings (a device wait between stages).
std::unique_ptr<StreamEngine> bench_stream(const Model& model, const BenchSettings& settings, int side, bool profile,
                                           bool picture);

// The profile workload (bench_profile.cpp): Kineto traces of the UNet at the stream's batch and of
// whole stream frames.
std::vector<BenchRow> profile_rows(const Model& model, const BenchSettings& settings);

// The canvas side of the live and churn workloads: --live-side, else the app's live size (256 on a CPU, 512 on a GPU).
int live_canvas_side(const Model& model, const BenchSettings& settings);

// The churn workload (bench_churn.cpp): the live stream under the app's long run's edits for
// settings.churn_seconds, printing this process's memory every 10 s and its growth after the first minute.
std::vector<BenchRow> churn_rows(const Model& model, const BenchSettings& settings);

// Which edits the churn workload makes, from "stroke,prompt,layers,modes" (any of them). Throws
// palette::Error naming an unknown one, or when none is given.
enum class SnapshotEdit { Stroke, Prompt, Layers };  // edits of the document the stream follows
struct ChurnEdits {
  std::vector<SnapshotEdit> snapshot;  // drawn one per edit, alike
  bool modes = false;                  // live-mode switches (each a new stream), at their own rate
  bool checks = false;                 // a picture check a minute: a fresh eager render beside the stream
};
ChurnEdits parse_churn_edits(const std::string& list);

// Every workload, in the order the table prints them.
const std::vector<BenchWorkload>& bench_workloads();

// The model's UNet work for one sample of height × width pixels (its configuration's FLOP count).
double unet_gflop(const Model& model, int height, int width);

}  // namespace palette::cli
