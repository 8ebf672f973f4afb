// The app's own figures over a session (`semantic-palette --metrics FILE`), for measuring the app as a
// user meets it — on a GPU machine under Xvfb (scripts/gpu/app-session.sh) as on a laptop:
//   - the UI thread's work per displayed frame (events, panels, texture uploads, GL submission; not the
//     wait for the display), which must stay short whatever the engine does: its distribution, how many
//     frames took over kSlowUiFrameMs, and where the slowest frame's time went (UiPhase);
//   - stroke to first changed picture and to settled picture, each measurement as FrameStats makes it;
//   - generated pictures per second;
//   - the process's resident memory, and how much of it the C library's allocator holds in use and free
//     (a growth of free memory is pages the allocator keeps, of memory in use a leak);
//   - given a source of them, the CUDA graphs recorded, alive and of distinct shapes
//     (palette::CudaGraphFigures), so that a growth of host memory can be laid beside the recordings and
//     shapes that may hold it.
// One JSON object per line: one per finished script action ({"action": i, "do": "stroke", …}), then a
// {"summary": …} line when the session ends. Lines are written as they happen and flushed, so a crash
// keeps everything up to it.
//
//   SessionMetrics metrics("metrics.jsonl", t, palette::cuda_graph_figures);   // throws palette::Error naming the file
//   metrics.ui_frame(4.2, phases);                // every displayed frame: its work in ms, and by phase
//   metrics.observe(stats, pictures);             // every displayed frame, after the pictures were taken
//   metrics.action_done(3, "stroke", t);          // when a script action finishes (random_edits: and its edits)
//   metrics.finish(t);                            // the summary line
//
// Times are seconds on one monotonic clock. Thread safety: UI thread only.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/frame_stats.h"
#include "base/process_memory.h"
#include "palette/cuda_graph_figures.h"

namespace palette::app {

// Issue 23's bound on the UI thread's work per frame while the engine runs.
constexpr double kSlowUiFrameMs = 20.0;

// Where a UI frame's work went, in App::frame's order: the engine session's poll; upkeep (the canvas size
// following a new model, export and autosave checks, the document published to the stream); taking the
// stream's frames (texture upload); the script's action and shortcuts (edits); the GL canvas (mask textures,
// composite); the panels; Other is the rest of the frame (window events, ImGui's render, GL submission).
enum class UiPhase { EnginePoll, Upkeep, TakeFrames, Script, GlCanvas, Panels, Other, Count };
using UiPhaseMs = std::array<double, static_cast<size_t>(UiPhase::Count)>;
const char* ui_phase_name(UiPhase phase);  // "engine_poll", … (the metrics' keys)

class SessionMetrics {
 public:
  // Starts the first span at `t`. With `graphs`, every line also carries what it reports (called on the UI
  // thread at each line).
  SessionMetrics(const std::filesystem::path& file, double t, std::function<CudaGraphFigures()> graphs = {});
  ~SessionMetrics();
  SessionMetrics(const SessionMetrics&) = delete;
  SessionMetrics& operator=(const SessionMetrics&) = delete;

  // `phases`: the frame's work by phase (all zero when unknown); Other is what the others leave of `work_ms`.
  void ui_frame(double work_ms, const UiPhaseMs& phases = {});
  // Takes the latencies `stats` measured since the last call, and counts a generated picture for each
  // call where `pictures` (a running count of pictures taken) went up.
  void observe(const FrameStats& stats, uint64_t pictures);
  // Writes the line of action `index` (its "do" value `name`), covering everything since the previous
  // action ended (or the session began); `edits` (a random_edits action's, by kind) as its "edits" member.
  void action_done(size_t index, std::string_view name, double t, const std::map<std::string, int>& edits = {});
  // Writes the summary line once (later calls do nothing).
  void finish(double t);

  // What a line reports about a span of the session.
  struct Span {
    double start = 0, end = 0;
    std::vector<double> ui_ms, first_change_ms, settled_ms;
    uint64_t pictures = 0;
    uint64_t slow_ui_frames = 0;   // over kSlowUiFrameMs
    double slowest_ui_ms = -1;     // and its phases
    UiPhaseMs slowest_phases{};
  };

 private:
  void write(const std::string& line);
  std::string graph_members() const;

  std::function<CudaGraphFigures()> graphs_;
  std::FILE* out_ = nullptr;
  Span action_, session_;
  uint64_t latencies_seen_ = 0, settled_seen_ = 0, pictures_seen_ = 0;
  int64_t rss_start_ = 0, rss_peak_ = 0;
  bool finished_ = false;
};

// p in [0, 100] of `values` (nearest rank); 0 for none.
double percentile(std::vector<double> values, double p);

}  // namespace palette::app
