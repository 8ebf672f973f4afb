// `palette bench -w churn`: the live stream under the edits of the app's long run, without the app — the
// same LiveStream (its own thread), fed snapshots as fast as the app's random edits come (strokes, prompt
// edits, brushes added and removed, live-mode switches that replace the stream), while this process's
// memory is sampled. The app's long run on a GPU held ~200 MB more heap each minute whether or not CUDA
// graphs were recorded and whether CUDA loaded its modules lazily or at start (bench/RESULTS.md,
// seventeenth session); this takes the window, ImGui and OpenGL out of the picture, and --churn-edits
// takes out one kind of edit at a time. `checks` adds the app's picture check once a minute (as the app's
// long run does after each block of edits): a fresh engine, eager, rendering the newest snapshot on a pooled
// thread while the stream goes on. --churn-check-seconds checks more often: whether the checks' heap (8-14 MB
// a check on an H100 so far, twenty-second session) levels off once every shape has been seen, or grows with
// every check.
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/pooled_threads.h"
#include "base/process_memory.h"
#include "cli/bench_workloads.h"
#include "palette/document_requests.h"
#include "palette/error.h"
#include "palette/stream.h"

namespace palette::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kPrompts[] = {"a red brick house", "a pine forest", "a calm lake", "snow-capped peaks",
                                    "a wooden boat",     "a flock of birds", "golden hour sky", "a meadow with wild flowers"};
constexpr double kEditSeconds = 0.08;        // the app's long run draws about 11 edits a second
constexpr double kModeSwitchOdds = 1.0 / 80;  // of an edit: about eight switches a minute, as in the app's run

double megabytes(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

struct Sample {
  double seconds;
  HeapUse heap;
  int64_t rss;
};

}  // namespace

ChurnEdits parse_churn_edits(const std::string& list) {
  ChurnEdits edits;
  const auto add = [&](SnapshotEdit e) {
    if (std::find(edits.snapshot.begin(), edits.snapshot.end(), e) == edits.snapshot.end()) edits.snapshot.push_back(e);
  };
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (name == "stroke") add(SnapshotEdit::Stroke);
    else if (name == "prompt") add(SnapshotEdit::Prompt);
    else if (name == "layers") add(SnapshotEdit::Layers);
    else if (name == "modes") edits.modes = true;
    else if (name == "checks") edits.checks = true;
    else throw Error("--churn-edits: unknown edit '" + name + "' (stroke, prompt, layers, modes, checks)");
  }
  std::sort(edits.snapshot.begin(), edits.snapshot.end());  // the draws do not depend on the list's order
  if (edits.snapshot.empty() && !edits.modes && !edits.checks)
    throw Error("--churn-edits: no edit given (stroke, prompt, layers, modes, checks)");
  return edits;
}

std::vector<BenchRow> churn_rows(const Model& model, const BenchSettings& settings) {
  const ChurnEdits kinds = parse_churn_edits(settings.churn_edits);
  const int side = live_canvas_side(model, settings);
  // The app's live settings for a document with the default generation settings.
  StreamSettings stream_settings = live_picture_settings(model, GenerationSettings{});
  stream_settings.cuda_graphs = settings.cuda_graphs;
  if (settings.stream_mode == "regional") stream_settings.mode = StreamMode::RegionalAttention;
  if (settings.stream_mode == "multidiffusion") stream_settings.mode = StreamMode::MultiDiffusion;

  std::mt19937 random(1);
  const auto uniform = [&](int below) { return static_cast<int>(random() % static_cast<unsigned>(below)); };
  StreamSnapshot snapshot;
  snapshot.width = snapshot.height = side;
  snapshot.seed = 1;
  snapshot.background.prompt = "a quiet valley at dawn";
  uint64_t next_id = 1;
  const auto new_layer = [&] {
    RegionLayer layer;
    layer.prompt = kPrompts[uniform(8)];
    layer.mask = torch::zeros({side, side});
    const int x = uniform(side / 2), y = uniform(side / 2);
    layer.mask.slice(0, y, y + side / 4).slice(1, x, x + side / 4).fill_(1);
    snapshot.layers.push_back({next_id++, true, std::move(layer)});
  };
  for (int i = 0; i < 3; ++i) new_layer();
  snapshot.version = 1;

  auto stream = std::make_unique<LiveStream>(model, stream_settings);
  stream->publish(std::make_shared<const StreamSnapshot>(snapshot));
  // The first picture: loading, the first recordings and the text encoder's first prompts are not churn.
  const auto wait_start = Clock::now();
  for (std::shared_ptr<const StreamFrame> f; !(f && f->settled);) {
    f = stream->take_frame();
    if (auto e = stream->last_error()) throw *e;
    if (Clock::now() - wait_start > std::chrono::minutes(10)) throw Error("churn: no settled first picture in 10 minutes");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  std::vector<Sample> samples;
  int64_t edits = 0, frames = 0, streams = 1, errors = 0;
  std::atomic<int64_t> checks{0};  // finished without an error
  std::future<void> checking;      // one at a time, as the app's
  // A check in flight uses `model` and `checks`: it is waited for however this function ends.
  struct WaitForCheck {
    std::future<void>& f;
    ~WaitForCheck() {
      if (f.valid()) f.wait();
    }
  } wait_for_check{checking};
  // --churn-check-seconds (a minute, as the app's long run), at most a third of the run so that even a short
  // run checks three times.
  const double check_seconds = std::min(settings.churn_check_seconds, settings.churn_seconds / 3);
  double next_check = check_seconds;
  std::string last_error;
  std::vector<std::future<void>> retiring;  // old streams stopping, as the app retires them
  const auto start = Clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  const auto sample = [&] {
    samples.push_back({elapsed(), heap_use(), resident_bytes()});
    const Sample& s = samples.back();
    std::printf("churn: %5.0f s  heap in use %7.1f MB  heap free %6.1f MB  RSS %7.1f MB  edits %lld  frames %lld  "
                "streams %lld\n",
                s.seconds, megabytes(s.heap.in_use), megabytes(s.heap.free), megabytes(s.rss),
                static_cast<long long>(edits), static_cast<long long>(frames), static_cast<long long>(streams));
    std::fflush(stdout);
  };
  // Every 10 s, and at least six figures in a short run.
  const double sample_seconds = std::min(10.0, settings.churn_seconds / 6);
  sample();
  while (elapsed() < settings.churn_seconds) {
    const bool switch_mode =
        stream && kinds.modes && std::uniform_real_distribution<double>()(random) < kModeSwitchOdds;
    if (switch_mode) {
      // As the app does on a live-mode switch (EngineSession's retire_stream): the old stream is stopped and
      // destroyed on a thread of its own, and the new one starts once it is gone, from the newest snapshot.
      retiring.push_back(std::async(std::launch::async, [old = std::move(stream)]() mutable {
        old->shutdown();
        old.reset();
      }));
      stream_settings.mode = stream_settings.mode == StreamMode::MultiDiffusion ? StreamMode::RegionalAttention
                                                                                : StreamMode::MultiDiffusion;
    } else if (!kinds.snapshot.empty()) {
      const SnapshotEdit kind = kinds.snapshot[size_t(uniform(int(kinds.snapshot.size())))];
      if (kind == SnapshotEdit::Layers && (snapshot.layers.size() < 2 || (snapshot.layers.size() < 6 && uniform(2) == 0))) {
        new_layer();
      } else if (kind == SnapshotEdit::Layers) {
        snapshot.layers.erase(snapshot.layers.begin() + uniform(int(snapshot.layers.size())));
      } else if (kind == SnapshotEdit::Prompt) {
        snapshot.layers[size_t(uniform(int(snapshot.layers.size())))].region.prompt = kPrompts[uniform(8)];
      } else {
        // A dab of the brush (a new tensor: the snapshot handed over before stays as it was).
        RegionLayer& layer = snapshot.layers[size_t(uniform(int(snapshot.layers.size())))].region;
        layer.mask = layer.mask.clone();
        const int r = std::max(2, side / 32), x = uniform(side - 2 * r), y = uniform(side - 2 * r);
        layer.mask.slice(0, y, y + 2 * r).slice(1, x, x + 2 * r).fill_(uniform(10) == 0 ? 0 : 1);
      }
    }
    ++snapshot.version;
    ++edits;
    const auto next = Clock::now() + std::chrono::duration<double>(kEditSeconds);
    bool published = false;
    while (Clock::now() < next) {
      if (!stream && retiring.back().wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        stream = std::make_unique<LiveStream>(model, stream_settings);
        ++streams;
      }
      if (stream && !published) {
        stream->publish(std::make_shared<const StreamSnapshot>(snapshot));
        published = true;
      }
      if (stream && stream->take_frame()) ++frames;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // An error stays reported until a snapshot succeeds: count and print each new one.
    if (const auto e = stream ? stream->last_error() : std::nullopt; e && e->what() != last_error) {
      last_error = e->what();
      ++errors;
      std::printf("churn: stream error: %s\n", last_error.c_str());
    } else if (!e) {
      last_error.clear();
    }
    const bool check_running =
        checking.valid() && checking.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
    if (kinds.checks && elapsed() >= next_check && !check_running) {
      if (checking.valid()) checking.get();
      checking = on_pooled_thread([&model, &checks, settings = stream_settings,
                                   current = std::make_shared<const StreamSnapshot>(snapshot)] {
        try {
          if (!fresh_stream_picture(model, settings, *current).pixels.empty()) ++checks;
        } catch (const std::exception& e) {
          std::printf("churn: check failed: %s\n", e.what());
        }
      });
      next_check = elapsed() + check_seconds;  // a late check does not bring the next one closer
    }
    if (elapsed() >= samples.back().seconds + sample_seconds) sample();
  }
  sample();  // the last figure while the stream still runs, as the others
  if (stream) stream->shutdown();
  for (auto& r : retiring) r.get();
  if (checking.valid()) checking.get();

  // The growth after the first minute (after half the run, when it is shorter than two minutes): the
  // least-squares slope of the samples from then on, per minute, so that no single sample decides it.
  const double from = std::min(60.0, settings.churn_seconds / 2);
  std::vector<const Sample*> tail;
  for (const Sample& s : samples)
    if (s.seconds >= from) tail.push_back(&s);
  const auto per_minute = [&](const auto& value) {
    double n = 0, st = 0, sv = 0, stt = 0, stv = 0;
    for (const Sample* s : tail) {
      const double t = s->seconds / 60, v = value(*s);
      n += 1, st += t, sv += v, stt += t * t, stv += t * v;
    }
    const double d = n * stt - st * st;
    return d > 0 ? (n * stv - st * sv) / d : 0.0;
  };
  const Sample& base = *tail.front();
  const Sample& end = samples.back();
  const double heap_per_minute = per_minute([](const Sample& s) { return megabytes(s.heap.in_use); });
  const double rss_per_minute = per_minute([](const Sample& s) { return megabytes(s.rss); });
  std::printf("churn: after %.0f s, heap in use %.1f → %.1f MB (fitted %+.1f MB a minute), RSS %.1f → %.1f MB (%+.1f MB "
              "a minute); %lld edits, %lld pictures, %lld streams, %lld checks, %lld stream errors\n",
              base.seconds, megabytes(base.heap.in_use), megabytes(end.heap.in_use), heap_per_minute,
              megabytes(base.rss), megabytes(end.rss), rss_per_minute, static_cast<long long>(edits),
              static_cast<long long>(frames), static_cast<long long>(streams), static_cast<long long>(checks.load()),
              static_cast<long long>(errors));
  char detail[200];
  std::snprintf(detail, sizeof detail, "heap in use %+.1f MB/min, RSS %+.1f MB/min after %.0f s; %lld edits, %lld streams",
                heap_per_minute, rss_per_minute, base.seconds, static_cast<long long>(edits),
                static_cast<long long>(streams));
  BenchRow row{"churn " + std::to_string(side) + "², edits: " + settings.churn_edits +
                   (settings.cuda_graphs ? "" : ", no graphs"),
               0, static_cast<double>(frames) / std::max(end.seconds, 1e-9), 0, detail};
  return {row};
}

}  // namespace palette::cli
