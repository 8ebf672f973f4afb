#include "app/session_metrics.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <utility>

#include "palette/error.h"

namespace palette::app {

namespace {

// Numbers with the digits they mean (nlohmann::json would print 387.20000000000005).
std::string fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

// {"count": n, "p50": …, "p95": …, "max": …} of a series of milliseconds.
std::string series(const std::vector<double>& v) {
  std::string out = "{\"count\":" + std::to_string(v.size());
  if (!v.empty())
    out += ",\"p50\":" + fixed(percentile(v, 50), 1) + ",\"p95\":" + fixed(percentile(v, 95), 1) +
           ",\"max\":" + fixed(*std::max_element(v.begin(), v.end()), 1);
  return out + "}";
}

// {"ms": …, "engine_poll": …, …} of a span's slowest UI frame; null when the span had none.
std::string slowest_frame(const SessionMetrics::Span& s) {
  if (s.slowest_ui_ms < 0) return "null";
  std::string out = "{\"ms\":" + fixed(s.slowest_ui_ms, 1);
  for (size_t i = 0; i < s.slowest_phases.size(); ++i)
    out += ",\"" + std::string(ui_phase_name(static_cast<UiPhase>(i))) + "\":" + fixed(s.slowest_phases[i], 1);
  return out + "}";
}

// The figures of a span, as the members of a JSON object (no braces).
std::string span_members(const SessionMetrics::Span& s) {
  const double seconds = s.end - s.start;
  return "\"start_s\":" + fixed(s.start, 3) + ",\"seconds\":" + fixed(seconds, 3) +
         ",\"ui_frame_ms\":" + series(s.ui_ms) + ",\"slow_ui_frames\":" + std::to_string(s.slow_ui_frames) +
         ",\"slowest_ui_frame\":" + slowest_frame(s) + ",\"first_change_ms\":" + series(s.first_change_ms) +
         ",\"settled_ms\":" + series(s.settled_ms) + ",\"pictures\":" + std::to_string(s.pictures) +
         ",\"pictures_per_s\":" + fixed(seconds > 0 ? static_cast<double>(s.pictures) / seconds : 0.0, 2);
}

std::string megabytes(int64_t bytes) { return fixed(static_cast<double>(bytes) / (1 << 20), 1); }

// The allocator's figures as members of a JSON object (no braces), with a leading comma.
std::string heap_members() {
  const HeapUse h = heap_use();
  return ",\"heap_in_use_mb\":" + megabytes(h.in_use) + ",\"heap_free_mb\":" + megabytes(h.free);
}

}  // namespace

const char* ui_phase_name(UiPhase phase) {
  switch (phase) {
    case UiPhase::EnginePoll: return "engine_poll";
    case UiPhase::Upkeep: return "upkeep";
    case UiPhase::TakeFrames: return "take_frames";
    case UiPhase::Script: return "script";
    case UiPhase::GlCanvas: return "gl_canvas";
    case UiPhase::Panels: return "panels";
    case UiPhase::Other: return "other";
    case UiPhase::Count: break;
  }
  return "?";
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const size_t index = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(values.size()))) - 1;
  return values[index];
}

SessionMetrics::SessionMetrics(const std::filesystem::path& file, double t, std::function<CudaGraphFigures()> graphs)
    : graphs_(std::move(graphs)) {
  action_.start = session_.start = t;
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw Error("--metrics '" + file.string() + "': is a folder (expected a file to write)");
  out_ = std::fopen(file.c_str(), "w");
  if (out_ == nullptr)
    throw Error("--metrics '" + file.string() + "': cannot write (" + std::strerror(errno) + ")");
  rss_start_ = rss_peak_ = resident_bytes();
}

SessionMetrics::~SessionMetrics() {
  if (out_ != nullptr) std::fclose(out_);
}

void SessionMetrics::write(const std::string& line) {
  std::fputs((line + "\n").c_str(), out_);
  std::fflush(out_);
}

// The CUDA graph figures as members of a JSON object (no braces), with a leading comma; nothing without a source.
std::string SessionMetrics::graph_members() const {
  if (!graphs_) return "";
  const CudaGraphFigures g = graphs_();
  return ",\"graphs_recorded\":" + std::to_string(g.graphs_recorded) + ",\"graphs_alive\":" +
         std::to_string(g.graphs_alive) + ",\"shapes_recorded\":" + std::to_string(g.shapes_recorded);
}

void SessionMetrics::ui_frame(double work_ms, const UiPhaseMs& phases) {
  UiPhaseMs split = phases;
  double measured = 0;
  for (size_t i = 0; i < static_cast<size_t>(UiPhase::Other); ++i) measured += split[i];
  split[static_cast<size_t>(UiPhase::Other)] = std::max(0.0, work_ms - measured);
  for (Span* s : {&action_, &session_}) {
    s->ui_ms.push_back(work_ms);
    if (work_ms > kSlowUiFrameMs) ++s->slow_ui_frames;
    if (work_ms > s->slowest_ui_ms) s->slowest_ui_ms = work_ms, s->slowest_phases = split;
  }
}

void SessionMetrics::observe(const FrameStats& stats, uint64_t pictures) {
  const bool changed = stats.latencies_measured() != latencies_seen_ && stats.latency_ms();
  const bool settled = stats.settled_measured() != settled_seen_ && stats.settled_ms();
  for (Span* s : {&action_, &session_}) {
    if (changed) s->first_change_ms.push_back(*stats.latency_ms());
    if (settled) s->settled_ms.push_back(*stats.settled_ms());
    s->pictures += pictures - std::min(pictures, pictures_seen_);
  }
  latencies_seen_ = stats.latencies_measured();
  settled_seen_ = stats.settled_measured();
  pictures_seen_ = pictures;
}

void SessionMetrics::action_done(size_t index, std::string_view name, double t,
                                 const std::map<std::string, int>& edits) {
  action_.end = t;
  const int64_t rss = resident_bytes();
  rss_peak_ = std::max(rss_peak_, rss);
  // Action and edit names are the script's fixed vocabulary: nothing to escape.
  std::string drawn;
  for (const auto& [kind, count] : edits)
    drawn += (drawn.empty() ? "" : ",") + ("\"" + kind + "\":" + std::to_string(count));
  write("{\"action\":" + std::to_string(index) + ",\"do\":\"" + std::string(name) + "\"," +
        span_members(action_) + ",\"rss_mb\":" + megabytes(rss) + heap_members() + graph_members() + (edits.empty() ? "" : ",\"edits\":{" + drawn + "}") +
        "}");
  action_ = Span{};
  action_.start = t;
}

void SessionMetrics::finish(double t) {
  if (finished_) return;
  finished_ = true;
  session_.end = t;
  const int64_t rss = resident_bytes();
  rss_peak_ = std::max(rss_peak_, rss);
  write("{\"summary\":{" + span_members(session_) + ",\"rss_mb_start\":" + megabytes(rss_start_) +
        ",\"rss_mb_end\":" + megabytes(rss) + ",\"rss_mb_peak_seen\":" + megabytes(rss_peak_) + heap_members() + graph_members() + "}}");
}

}  // namespace palette::app
