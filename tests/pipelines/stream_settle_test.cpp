// StreamEngine::settle: the rest of a change along the diagonal gives the picture and the slots that the
// remaining stream calls give, in either stream mode, over a background prompt or a picture, with LCM
// (SD 1.5) and Euler (SDXL) schedules, with and without classifier-free guidance; it can be interrupted between slots and the stream goes on from
// there; the live policy settles once a change has shown; a new canvas or seed is flushed the same way.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <string>

#include "palette/model.h"
#include "palette/stream.h"
#include "pipelines/background_photos.h"
#include "pipelines/stream_layouts.h"
#include "pipelines/stream_state.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

struct Case {
  std::string name;
  const char* model;
  StreamMode mode;
  bool photo;
  double guidance = 1;  // above 1: a classifier-free-guidance batch, [uncond; cond] halves
};

StreamSnapshot layout(const Case& c, uint64_t version) {
  StreamSnapshot s = test::small_layout(version);
  if (c.photo) s.background.image = test::shared_photo(64, 64);
  return s;
}

// A prompt, a mask and a new layer: every part of the batch changes.
StreamSnapshot edited(const Case& c) {
  StreamSnapshot s = layout(c, 2);
  s.layers[0].region.prompt = "a blue house";
  s.layers[1].region.mask = test::rect_mask(64, 64, 0, 40, 24, 64);
  s.layers.push_back(test::stream_layer(7, "the moon", test::rect_mask(64, 64, 0, 16, 0, 16)));
  return s;
}

double relative(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max()).item<double>();
}

// The MultiDiffusion case over a prompt on the tiny SD 1.5 model, for the tests of one situation each.
const Case kPlain{"", "tiny-sd15", StreamMode::MultiDiffusion, false};

// Both engines at the edited layout, after its first layout; `first_frame`: with the edit's first frame made.
void edit_both(StreamEngine& a, StreamEngine& b, bool first_frame) {
  for (StreamEngine* e : {&a, &b}) {
    e->apply(layout(kPlain, 1));
    e->apply(edited(kPlain));
    if (first_frame) e->step();
  }
}

StreamFrame step_until_settled(StreamEngine& engine) {
  StreamFrame f;
  do f = engine.step();
  while (!f.settled);
  return f;
}

class StreamSettle : public testing::TestWithParam<Case> {};

TEST_P(StreamSettle, GivesWhatTheRemainingStepsGive) {
  const Case& c = GetParam();
  StreamSettings settings;
  settings.mode = c.mode;
  settings.sampling.guidance = c.guidance;
  StreamEngine settling(test::fixture_model(c.model), settings), stepping(test::fixture_model(c.model), settings);
  for (StreamEngine* e : {&settling, &stepping}) {
    e->apply(layout(c, 1));
    e->step();
    e->apply(edited(c));
  }
  const StreamFrame first = settling.step();
  stepping.step();
  ASSERT_FALSE(first.settled);
  ASSERT_EQ(first.steps_done, 1);

  const int64_t calls = settling.stats().unet_calls;
  const StreamFrame settled = settling.settle();
  EXPECT_TRUE(settled.settled);
  EXPECT_EQ(settled.version, 2u);
  EXPECT_EQ(settled.steps_done, settling.slots());
  EXPECT_EQ(settling.stats().unet_calls - calls, settling.slots() - 1) << "one call per slot left";
  const StreamFrame expected = step_until_settled(stepping);

  // Other batch compositions (one slot against T), so equal up to float32 rounding carried through the
  // steps, not bitwise. A wrong slot, timestep, noise or mask moves the latents by a tenth of their range.
  const StreamEngine::State &a = stream_state(settling), &b = stream_state(stepping);
  const double buffer_error = relative(a.buffer, b.buffer), latent_error = relative(a.last_latent, b.last_latent);
  const int pixel_error = test::max_byte_difference(settled.image, expected.image);
  std::printf("%s: settled at once vs stepped, largest difference over largest value: buffer %.3g, latent %.3g; "
              "pixels %d/255\n", c.name.c_str(), buffer_error, latent_error, pixel_error);
  EXPECT_LT(buffer_error, 1e-3);
  EXPECT_LT(latent_error, 1e-3);
  EXPECT_LE(pixel_error, 2);

  // The stream goes on from the settled slots: the next frames are the same still picture.
  const StreamFrame next = settling.step(), next_expected = stepping.step();
  EXPECT_TRUE(next.settled);
  EXPECT_LE(test::max_byte_difference(next.image, next_expected.image), 2);
  EXPECT_LE(test::max_byte_difference(next.image, settled.image), 2);
}

// A new canvas or seed flushes along the diagonal: the first frame and the slots it leaves are those of T
// stream calls, and so is the stream after a reseed; the live picture shows it without another UNet call.
TEST_P(StreamSettle, FlushesAlongTheDiagonal) {
  const Case& c = GetParam();
  StreamSettings settings;
  settings.mode = c.mode;
  settings.sampling.guidance = c.guidance;
  StreamSettings stepwise = settings;
  stepwise.settle_at_once = false;
  StreamEngine diagonal(test::fixture_model(c.model), settings), calls(test::fixture_model(c.model), stepwise);
  for (const bool reseeded : {false, true}) {
    for (StreamEngine* e : {&diagonal, &calls}) {
      if (reseeded) e->reseed(99);
      else e->apply(layout(c, 1));
    }
    // One slot at a time (the engine's single-slot UNet), not T stream calls of every slot.
    EXPECT_NE(stream_state(diagonal).slot_unet, nullptr);
    EXPECT_EQ(stream_state(calls).slot_unet, nullptr);
    // The live picture's first frame is the flush's settled picture itself: decoded, no UNet call.
    const int64_t unet_calls = diagonal.stats().unet_calls;
    const StreamFrame live = diagonal.next_live_frame();
    EXPECT_EQ(diagonal.stats().unet_calls, unet_calls);
    EXPECT_TRUE(live.settled);
    const StreamFrame a = diagonal.step(), b = calls.step();
    EXPECT_TRUE(a.settled);
    EXPECT_LE(test::max_byte_difference(live.image, a.image), 2);
    const double buffer_error = relative(stream_state(diagonal).buffer, stream_state(calls).buffer);
    const int pixel_error = test::max_byte_difference(a.image, b.image);
    std::printf("%s%s: flushed along the diagonal vs by stream calls: buffer %.3g; pixels %d/255\n", c.name.c_str(),
                reseeded ? " (reseeded)" : "", buffer_error, pixel_error);
    EXPECT_LT(buffer_error, 1e-3);
    EXPECT_LE(pixel_error, 2);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Modes, StreamSettle,
    testing::Values(Case{"MultiDiffusion", "tiny-sd15", StreamMode::MultiDiffusion, false},
                    Case{"MultiDiffusionOverAPicture", "tiny-sd15", StreamMode::MultiDiffusion, true},
                    Case{"RegionalAttention", "tiny-sd15", StreamMode::RegionalAttention, false},
                    Case{"SdxlEuler", "tiny-sdxl", StreamMode::MultiDiffusion, false},
                    Case{"SdxlEulerRegional", "tiny-sdxl", StreamMode::RegionalAttention, true},
                    Case{"MultiDiffusionWithGuidance", "tiny-sd15", StreamMode::MultiDiffusion, true, 3.0},
                    Case{"SdxlRegionalWithGuidance", "tiny-sdxl", StreamMode::RegionalAttention, false, 3.0}),
    [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

// From the change's very first slot: slot 0 with its bootstrap (each layer first drawn on white) too.
TEST(StreamSettleFromTheStart, IncludesTheBootstrapSlot) {
  const Model& model = test::fixture_model("tiny-sd15");
  StreamSettings settings;
  settings.sampling.bootstrap_steps = 2;
  StreamEngine settling(model, settings), stepping(model, settings);
  edit_both(settling, stepping, /*first_frame=*/false);
  const StreamFrame a = settling.settle();
  EXPECT_TRUE(a.settled);
  const StreamFrame b = step_until_settled(stepping);
  EXPECT_LE(test::max_byte_difference(a.image, b.image), 2);
  EXPECT_LT(relative(stream_state(settling).last_latent, stream_state(stepping).last_latent), 1e-3);
}

// Interrupted as soon as it listens (after its first slot), the frame has no picture and has not settled;
// stepping on from there gives the settled picture a stepped engine gives.
TEST(StreamSettleInterrupted, StepsGoOnFromTheSlotsDone) {
  const Model& model = test::fixture_model("tiny-sd15");
  StreamEngine interrupted(model), stepping(model);
  edit_both(interrupted, stepping, /*first_frame=*/true);
  int asked = 0;
  const StreamFrame cut = interrupted.settle([&] { return ++asked > 0; });
  EXPECT_TRUE(cut.image.pixels.empty());
  EXPECT_FALSE(cut.settled);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(cut.steps_done, 2) << "the first frame's slot, and the one a settle runs before it listens";
  const StreamFrame a = step_until_settled(interrupted), b = step_until_settled(stepping);
  EXPECT_LE(test::max_byte_difference(a.image, b.image), 2);
  EXPECT_LT(relative(stream_state(interrupted).buffer, stream_state(stepping).buffer), 1e-3);
}

// The live policy: the first frame of a change comes from a step (the edit shows at once), the next one
// settles; with settle_at_once off, steps all the way.
TEST(StreamSettleLive, SettlesOnceAChangeHasShown) {
  const Model& model = test::fixture_model("tiny-sd15");
  StreamSettings off;
  off.settle_at_once = false;
  StreamEngine live(model), stepping(model, off);
  edit_both(live, stepping, /*first_frame=*/false);
  const StreamFrame first = live.next_live_frame();
  EXPECT_FALSE(first.settled);
  EXPECT_FALSE(first.image.pixels.empty());
  const StreamFrame second = live.next_live_frame();
  EXPECT_TRUE(second.settled);
  int frames = 0;
  StreamFrame f;
  do f = stepping.next_live_frame(), ++frames;
  while (!f.settled);
  EXPECT_EQ(frames, stepping.slots());
  EXPECT_LE(test::max_byte_difference(second.image, f.image), 2);
}

}  // namespace
}  // namespace palette
