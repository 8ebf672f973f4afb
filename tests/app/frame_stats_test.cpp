#include "app/frame_stats.h"

#include <gtest/gtest.h>

namespace palette::app {
namespace {

TEST(FrameStats, FramesPerSecondOverTheWindow) {
  FrameStats s(2.0);
  EXPECT_EQ(s.fps(0), 0);
  for (int i = 0; i <= 10; ++i) s.frame(1, 10 + i * 0.1);  // 11 frames, 0.1 s apart
  EXPECT_NEAR(s.fps(11.0), 10.0, 1e-9);
  // Three seconds later nothing is inside the window.
  EXPECT_EQ(s.fps(14.0), 0);
}

// A CPU engine at a frame every 4 s has at most two frames in a 5 s window: the rate still shows, from
// its last three frames, until it stops.
TEST(FrameStats, SlowEnginesShowTheirRate) {
  FrameStats s(5.0);
  s.frame(1, 0.0);
  EXPECT_EQ(s.fps(1.0), 0);  // one frame: no rate yet
  s.frame(1, 4.0);
  EXPECT_NEAR(s.fps(4.5), 0.25, 1e-9);
  s.frame(1, 8.0);
  s.frame(1, 12.0);
  EXPECT_NEAR(s.fps(13.0), 0.25, 1e-9);
  EXPECT_NEAR(s.fps(20.0), 0.25, 1e-9);  // 8 s after the last frame: still within three intervals
  EXPECT_EQ(s.fps(25.0), 0);             // 13 s: stopped
}

TEST(FrameStats, LatencyFromPublishToTheFirstFrameThatShowsIt) {
  FrameStats s;
  EXPECT_FALSE(s.latency_ms());
  s.published(5, 1.0);
  s.frame(4, 1.2);  // made before the edit: no answer yet
  EXPECT_FALSE(s.latency_ms());
  s.frame(5, 1.35);
  ASSERT_TRUE(s.latency_ms());
  EXPECT_NEAR(*s.latency_ms(), 350, 1e-6);
}

TEST(FrameStats, AFrameAnswersTheNewestEditItIncludes) {
  FrameStats s;
  s.published(1, 0.0);
  s.published(2, 0.5);
  s.published(3, 0.9);
  s.frame(2, 1.0);  // answers 1 and 2; the user's last answered edit was at 0.5
  EXPECT_NEAR(*s.latency_ms(), 500, 1e-6);
  s.frame(3, 1.1);
  EXPECT_NEAR(*s.latency_ms(), 200, 1e-6);
}

TEST(FrameStats, SettledLatencyWaitsForASettledFrameOfTheEdit) {
  FrameStats s;
  s.published(3, 1.0);
  s.frame(2, 1.1, /*settled=*/true);  // an older edit, settled: says nothing about this one
  s.frame(3, 1.4, /*settled=*/false);
  EXPECT_NEAR(*s.latency_ms(), 400, 1e-6);
  EXPECT_FALSE(s.settled_ms());
  s.published(4, 1.5);  // another stroke before the first has settled
  s.frame(3, 1.8, /*settled=*/true);
  EXPECT_NEAR(*s.settled_ms(), 800, 1e-6) << "the first stroke settled";
  s.frame(4, 2.0, /*settled=*/false);
  // Beside the new stroke's first change, the first stroke's settle would read as settling before showing.
  EXPECT_EQ(stroke_to_picture_text(s), "stroke to picture: 500 ms, settled -");
  EXPECT_NEAR(*s.settled_ms(), 800, 1e-6) << "the measurement itself stays (session metrics count it)";
  s.frame(4, 2.6, /*settled=*/true);
  EXPECT_NEAR(*s.latency_ms(), 500, 1e-6);
  EXPECT_NEAR(*s.settled_ms(), 1100, 1e-6);
  EXPECT_EQ(stroke_to_picture_text(s), "stroke to picture: 500 ms, settled 1100 ms");
  s.reset();
  EXPECT_FALSE(s.settled_ms());
  EXPECT_EQ(stroke_to_picture_text(s), "stroke to picture: -, settled -");
}

TEST(FrameStats, RepeatedPublishKeepsTheFirstTime) {
  FrameStats s;
  s.published(7, 1.0);
  s.published(7, 2.0);
  s.frame(7, 2.5);
  EXPECT_NEAR(*s.latency_ms(), 1500, 1e-6);
}

}  // namespace
}  // namespace palette::app
