// The session figures the app writes with --metrics: one line per action covering exactly the frames,
// pictures and latencies since the previous action, a summary over everything, numbers as measured.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/frame_stats.h"
#include "app/session_metrics.h"
#include "palette/error.h"
#include "support/temp_dir.h"

namespace palette::app {
namespace {

std::vector<nlohmann::json> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(SessionMetrics, PercentileIsTheNearestRank) {
  EXPECT_EQ(percentile({}, 50), 0);
  EXPECT_EQ(percentile({7}, 95), 7);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 50), 2);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 95), 4);
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  EXPECT_EQ(percentile(hundred, 95), 95);
}

TEST(SessionMetrics, EachActionLineCoversItsOwnSpan) {
  test::TempDir dir;
  const auto file = dir / "metrics.jsonl";
  {
    SessionMetrics metrics(file, 1.0);
    FrameStats stats;
    // Action 0: a stroke published at 1.1 s, three UI frames, no picture yet.
    stats.published(1, 1.1);
    for (double ms : {4.0, 6.0, 30.0}) metrics.ui_frame(ms);
    metrics.observe(stats, 0);
    metrics.action_done(0, "stroke", 1.5);
    // Action 1: two pictures, the first answers the stroke at 1.35 s (250 ms), the second settles at 2.1 s.
    stats.frame(1, 1.35);
    metrics.observe(stats, 1);
    metrics.ui_frame(5.0);
    stats.frame(1, 2.1, /*settled=*/true);
    metrics.observe(stats, 2);
    metrics.observe(stats, 2);  // nothing new: counted once
    metrics.action_done(1, "wait_picture", 2.5);
    metrics.action_done(2, "random_edits", 2.75, {{"stroke", 12}, {"undo", 3}});
    metrics.finish(3.0);
    metrics.finish(4.0);  // once only
  }
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 4u);
  const auto& stroke = lines[0];
  EXPECT_EQ(stroke["action"], 0);
  EXPECT_EQ(stroke["do"], "stroke");
  EXPECT_DOUBLE_EQ(stroke["start_s"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(stroke["seconds"].get<double>(), 0.5);
  EXPECT_EQ(stroke["ui_frame_ms"]["count"], 3);
  EXPECT_DOUBLE_EQ(stroke["ui_frame_ms"]["p50"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(stroke["ui_frame_ms"]["max"].get<double>(), 30.0);
  EXPECT_EQ(stroke["first_change_ms"]["count"], 0);
  EXPECT_EQ(stroke["pictures"], 0);
  EXPECT_GT(stroke["rss_mb"].get<double>(), 0.0);
  EXPECT_TRUE(stroke.contains("heap_in_use_mb") && stroke.contains("heap_free_mb"));

  const auto& wait = lines[1];
  EXPECT_EQ(wait["do"], "wait_picture");
  EXPECT_DOUBLE_EQ(wait["start_s"].get<double>(), 1.5);
  EXPECT_EQ(wait["pictures"], 2);
  EXPECT_DOUBLE_EQ(wait["pictures_per_s"].get<double>(), 2.0);
  EXPECT_EQ(wait["first_change_ms"]["count"], 1);
  EXPECT_DOUBLE_EQ(wait["first_change_ms"]["p50"].get<double>(), 250.0);
  EXPECT_EQ(wait["settled_ms"]["count"], 1);
  EXPECT_DOUBLE_EQ(wait["settled_ms"]["max"].get<double>(), 1000.0);
  EXPECT_EQ(wait["ui_frame_ms"]["count"], 1);
  EXPECT_FALSE(wait.contains("edits"));

  const auto& edits = lines[2];
  EXPECT_EQ(edits["do"], "random_edits");
  EXPECT_EQ(edits["edits"]["stroke"], 12);
  EXPECT_EQ(edits["edits"]["undo"], 3);

  const auto& summary = lines[3]["summary"];
  EXPECT_DOUBLE_EQ(summary["seconds"].get<double>(), 2.0);
  EXPECT_EQ(summary["ui_frame_ms"]["count"], 4);
  EXPECT_EQ(summary["pictures"], 2);
  EXPECT_EQ(summary["settled_ms"]["count"], 1);
  EXPECT_GT(summary["rss_mb_start"].get<double>(), 0.0);
  EXPECT_GE(summary["rss_mb_peak_seen"].get<double>(), summary["rss_mb_end"].get<double>());
  EXPECT_TRUE(summary.contains("heap_in_use_mb") && summary.contains("heap_free_mb"));
}

// A frame over the bound is counted, and the slowest frame of each span says where its time went; a span
// without frames says null.
TEST(SessionMetrics, SlowUiFramesAreCountedAndTheSlowestIsSplitByPhase) {
  test::TempDir dir;
  const auto file = dir / "metrics.jsonl";
  const auto phases = [](double poll, double panels, double other) {
    UiPhaseMs p{};
    p[static_cast<size_t>(UiPhase::EnginePoll)] = poll;
    p[static_cast<size_t>(UiPhase::Panels)] = panels;
    p[static_cast<size_t>(UiPhase::Other)] = other;
    return p;
  };
  {
    SessionMetrics metrics(file, 0.0);
    metrics.ui_frame(3.0, phases(1.0, 1.0, 1.0));
    metrics.ui_frame(24.0, phases(20.0, 3.0, 1.0));
    metrics.ui_frame(kSlowUiFrameMs, phases(0.0, 19.0, 1.0));  // at the bound: not over it
    metrics.ui_frame(21.0, phases(1.0, 19.0, 1.0));
    metrics.action_done(0, "random_edits", 1.0);
    metrics.action_done(1, "wait_seconds", 2.0);
    metrics.ui_frame(26.0, phases(0.0, 0.0, 26.0));
    metrics.finish(3.0);
  }
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["slow_ui_frames"], 2);
  const auto& slowest = lines[0]["slowest_ui_frame"];
  EXPECT_DOUBLE_EQ(slowest["ms"].get<double>(), 24.0);
  EXPECT_DOUBLE_EQ(slowest["engine_poll"].get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(slowest["panels"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(slowest["upkeep"].get<double>(), 0.0);
  for (const char* key : {"take_frames", "script", "gl_canvas", "other"}) EXPECT_TRUE(slowest.contains(key)) << key;
  EXPECT_EQ(lines[1]["slow_ui_frames"], 0);
  EXPECT_TRUE(lines[1]["slowest_ui_frame"].is_null());
  const auto& summary = lines[2]["summary"];
  EXPECT_EQ(summary["slow_ui_frames"], 3);
  EXPECT_DOUBLE_EQ(summary["slowest_ui_frame"]["ms"].get<double>(), 26.0);
  EXPECT_DOUBLE_EQ(summary["slowest_ui_frame"]["other"].get<double>(), 26.0);
}

// With a source of CUDA graph figures every line carries them as that source says at the line's time;
// without one, no line has them.
TEST(SessionMetrics, LinesCarryTheCudaGraphFiguresOfTheirTime) {
  test::TempDir dir;
  const auto file = dir / "metrics.jsonl";
  int calls = 0;
  {
    SessionMetrics metrics(file, 0.0, [&calls] {
      ++calls;
      CudaGraphFigures g;
      g.graphs_recorded = 7 * calls;
      g.graphs_alive = 2;
      g.shapes_recorded = 4 + calls;
      return g;
    });
    metrics.action_done(0, "stroke", 1.0);
    metrics.action_done(1, "random_edits", 2.0);
    metrics.finish(3.0);
  }
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["graphs_recorded"], 7);
  EXPECT_EQ(lines[1]["graphs_recorded"], 14);
  EXPECT_EQ(lines[1]["graphs_alive"], 2);
  EXPECT_EQ(lines[1]["shapes_recorded"], 6);
  EXPECT_EQ(lines[2]["summary"]["graphs_recorded"], 21);
  EXPECT_EQ(lines[2]["summary"]["shapes_recorded"], 7);

  const auto plain = dir / "plain.jsonl";
  {
    SessionMetrics metrics(plain, 0.0);
    metrics.action_done(0, "stroke", 1.0);
  }
  EXPECT_FALSE(lines_of(plain)[0].contains("graphs_recorded"));
}

// What tells a leak (memory in use grows) from pages the allocator keeps (free memory grows) in a long run.
TEST(SessionMetrics, HeapUseCountsWhatIsHeld) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  const int64_t before = heap_use().in_use;
  std::vector<char> held(size_t(64) << 20, 1);
  asm volatile("" : : "r"(held.data()) : "memory");  // the block escapes: no compiler may leave it out
  EXPECT_GE(heap_use().in_use - before, int64_t(60) << 20);
  EXPECT_EQ(held[12345], 1);
#else
  GTEST_SKIP() << "needs glibc's mallinfo2";
#endif
}

TEST(SessionMetrics, AFileThatCannotBeWrittenIsNamed) {
  test::TempDir dir;
  try {
    SessionMetrics metrics(dir.path(), 0);
    ADD_FAILURE() << "a folder was accepted as the metrics file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder"), std::string::npos) << e.what();
  }
  EXPECT_THROW(SessionMetrics(dir / "missing" / "m.jsonl", 0), Error);
}

}  // namespace
}  // namespace palette::app
