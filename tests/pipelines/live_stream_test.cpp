// LiveStream: the engine on its own thread. Publishing and taking frames never wait for the engine;
// pause, resume, reseed and shutdown behave; a flood of snapshots from another thread while frames
// are taken gives no crash, no deadlock and frames that never go back in time.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "palette/model.h"
#include "palette/stream.h"
#include "pipelines/stream_layouts.h"
#include "support/parity.h"

namespace palette {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Model& tiny_sd15() { return test::fixture_model("tiny-sd15"); }

std::shared_ptr<const StreamSnapshot> shared(StreamSnapshot s) {
  return std::make_shared<const StreamSnapshot>(std::move(s));
}

// Polls take_frame() until a frame satisfying `ok` arrives or `timeout` passes.
template <class Pred>
std::shared_ptr<const StreamFrame> wait_for_frame(LiveStream& live, Pred ok, std::chrono::seconds timeout = 60s) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    if (auto f = live.take_frame(); f && ok(*f)) return f;
    std::this_thread::sleep_for(2ms);
  }
  return nullptr;
}

TEST(LiveStream, MakesFramesOfTheNewestSnapshot) {
  LiveStream live(tiny_sd15());
  EXPECT_EQ(live.take_frame(), nullptr) << "no snapshot, no frame";
  live.publish(shared(test::small_layout(1)));
  auto first = wait_for_frame(live, [](const StreamFrame&) { return true; });
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->version, 1u);
  EXPECT_EQ(first->image.width, 64);
  EXPECT_EQ(live.take_frame() == first, false) << "a frame is handed out once";

  StreamSnapshot edited = test::small_layout(2);
  edited.layers[0].region.prompt = "a castle";
  live.publish(shared(edited));
  auto settled = wait_for_frame(live, [](const StreamFrame& f) { return f.version == 2 && f.settled; });
  ASSERT_NE(settled, nullptr);
  EXPECT_NE(settled->image.pixels, first->image.pixels);
  EXPECT_FALSE(live.last_error());
}

TEST(LiveStream, RejectedSnapshotIsReportedAndTheStreamGoesOn) {
  LiveStream live(tiny_sd15());
  live.publish(shared(test::small_layout(1)));
  ASSERT_NE(wait_for_frame(live, [](const StreamFrame&) { return true; }), nullptr);
  StreamSnapshot bad = test::small_layout(2);
  bad.height = 65;
  live.publish(shared(bad));
  const auto end = Clock::now() + 60s;
  while (!live.last_error() && Clock::now() < end) std::this_thread::sleep_for(2ms);
  const std::optional<Error> error = live.last_error();
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("height 65"), std::string::npos);
  EXPECT_EQ(error->kind(), ErrorKind::BadInput) << "no out-of-memory: the app must not shrink the picture";
  auto later = wait_for_frame(live, [](const StreamFrame&) { return true; });
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(later->version, 1u);
}

// The engine is made on the stream's thread, so that the app's UI thread never waits for the device: an
// engine that cannot be made is the stream's last error, of its kind, no frame comes, and the stream says it
// has stopped (the app then shows the live picture as stopped, not as coming).
TEST(LiveStream, AnEngineThatCannotBeMadeIsReportedNotThrown) {
  StreamSettings settings;
  settings.decoder = StreamDecoder::Taesd;  // the fixture model has no tiny decoder
  std::optional<LiveStream> live;
  ASSERT_NO_THROW(live.emplace(tiny_sd15(), settings));
  live->publish(shared(test::small_layout(1)));
  const auto end = Clock::now() + 60s;
  while (!live->last_error() && Clock::now() < end) std::this_thread::sleep_for(2ms);
  const std::optional<Error> error = live->last_error();
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("TAESD"), std::string::npos) << error->what();
  EXPECT_EQ(error->kind(), ErrorKind::BadInput);
  EXPECT_EQ(live->take_frame(), nullptr);
  const auto stop_end = Clock::now() + 60s;
  while (!live->stopped() && Clock::now() < stop_end) std::this_thread::sleep_for(2ms);
  EXPECT_TRUE(live->stopped());
  live->shutdown();  // returns: the thread ended with the failure
}

TEST(LiveStream, PauseResumeReseedAndShutdown) {
  LiveStream live(tiny_sd15());
  live.publish(shared(test::small_layout(1, 3)));
  auto before = wait_for_frame(live, [](const StreamFrame&) { return true; });
  ASSERT_NE(before, nullptr);
  live.pause();
  EXPECT_TRUE(live.paused());
  std::this_thread::sleep_for(300ms);  // the frame in progress may still land
  live.take_frame();
  const int64_t frames = live.stats().frames;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(live.stats().frames, frames) << "paused: no frames";
  EXPECT_EQ(live.take_frame(), nullptr);
  live.reseed(4);
  live.resume();
  auto reseeded = wait_for_frame(live, [&](const StreamFrame& f) { return f.index > uint64_t(frames); });
  ASSERT_NE(reseeded, nullptr);
  EXPECT_NE(reseeded->image.pixels, before->image.pixels);
  EXPECT_FALSE(live.stopped());
  live.shutdown();
  EXPECT_TRUE(live.stopped());
  live.shutdown();  // idempotent
  live.publish(shared(test::small_layout(9)));  // ignored after shutdown
  EXPECT_GE(live.stats().restarts, 2);
}

// With the fixed per-slot noise a settled stream would repeat its picture: it idles until an edit comes.
TEST(LiveStream, IdlesOnceSettledUntilSomethingNewArrives) {
  LiveStream live(tiny_sd15());
  live.publish(shared(test::small_layout(1)));
  ASSERT_NE(wait_for_frame(live, [](const StreamFrame& f) { return f.settled; }), nullptr);
  const int64_t frames = live.stats().frames;
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(live.stats().frames, frames) << "settled: no more frames";
  StreamSnapshot edited = test::small_layout(2);
  edited.layers[0].region.prompt = "a castle";
  live.publish(shared(edited));
  auto after = wait_for_frame(live, [](const StreamFrame& f) { return f.version == 2 && f.settled; });
  ASSERT_NE(after, nullptr) << "an edit wakes it";
  EXPECT_GT(live.stats().frames, frames + 1);
}

TEST(LiveStream, StressPublishingWhileTakingFrames) {
  LiveStream live(tiny_sd15());
  std::atomic<bool> done{false};
  std::thread painter([&] {
    // Thousands of strokes: a growing and moving tree, published as fast as possible.
    for (uint64_t v = 1; v <= 3000; ++v) {
      StreamSnapshot s = test::small_layout(v);
      const int64_t x = int64_t(v % 48);
      s.layers[1].region.mask = test::rect_mask(64, 64, 4, 60, x, x + 16);
      if (v % 7 == 0) s.layers[0].region.prompt = "house " + std::to_string(v % 5);
      if (v % 11 == 0) s.layers.pop_back();
      live.publish(shared(std::move(s)));
      if (v % 500 == 0) std::this_thread::sleep_for(20ms);
    }
    done = true;
  });
  uint64_t last_index = 0, last_version = 0, frames = 0;
  std::shared_ptr<const StreamFrame> newest;
  const auto end = Clock::now() + 120s;
  while ((!done || frames < 3) && Clock::now() < end) {
    if (auto f = live.take_frame()) {
      EXPECT_GT(f->index, last_index);
      EXPECT_GE(f->version, last_version);
      EXPECT_EQ(f->image.pixels.size(), size_t(64 * 64 * 4));
      last_index = f->index;
      last_version = f->version;
      newest = f;
      ++frames;
    }
    std::this_thread::sleep_for(1ms);
  }
  painter.join();
  EXPECT_GE(frames, 3u);
  // The last snapshot's settled frame, unless the loop above already took it (an edit settles at once after
  // its first frame, so it may come before the loop sees the painter done).
  const auto final_settled = [](const StreamFrame& f) { return f.version == 3000 && f.settled; };
  if (!newest || !final_settled(*newest)) newest = wait_for_frame(live, final_settled);
  ASSERT_NE(newest, nullptr) << "the newest snapshot is the one shown in the end";
  EXPECT_FALSE(live.last_error());
  live.shutdown();
}

}  // namespace
}  // namespace palette
