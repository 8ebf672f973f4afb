// Edits cost only their part: the stream engine's counters and tensors show which prompts were
// encoded, which masks processed and when the per-layer constants were rebuilt.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "palette/model.h"
#include "palette/stream.h"
#include "pipelines/stream_layouts.h"
#include "pipelines/stream_state.h"
#include "support/parity.h"

namespace palette {
namespace {

const Model& tiny_sd15() { return test::fixture_model("tiny-sd15"); }

// The counters' growth over one apply().
struct Cost {
  int64_t encoded, calls, masks, rebuilds, restarts;
};

Cost apply_cost(StreamEngine& engine, const StreamSnapshot& snapshot) {
  const StreamStats before = engine.stats();
  engine.apply(snapshot);
  const StreamStats& after = engine.stats();
  return {after.prompts_encoded - before.prompts_encoded, after.encoder_calls - before.encoder_calls,
          after.masks_processed - before.masks_processed, after.constant_rebuilds - before.constant_rebuilds,
          after.restarts - before.restarts};
}

const torch::Tensor& weights(const StreamEngine& engine, uint64_t id) {
  return stream_state(engine).derived.table.layers.at(id).quantized;
}

class StreamEdits : public ::testing::Test {
 protected:
  StreamEdits() : engine(tiny_sd15()), snapshot(test::small_layout()) {}
  void SetUp() override {
    const Cost first = apply_cost(engine, snapshot);
    EXPECT_EQ(first.encoded, 3) << "background, house, tree";
    EXPECT_EQ(first.calls, 1) << "all in one text-encoder call";
    EXPECT_EQ(first.masks, 3);
    EXPECT_EQ(first.rebuilds, 1);
    EXPECT_EQ(first.restarts, 1);
  }
  StreamEngine engine;
  StreamSnapshot snapshot;
};

TEST_F(StreamEdits, SameSnapshotCostsNothing) {
  const Cost c = apply_cost(engine, snapshot);
  EXPECT_EQ(c.calls + c.masks + c.rebuilds + c.restarts, 0);
  StreamSnapshot copied = snapshot;  // equal masks in new tensors are recognised by value
  copied.layers[0].region.mask = snapshot.layers[0].region.mask.clone();
  const Cost d = apply_cost(engine, copied);
  EXPECT_EQ(d.calls + d.masks + d.rebuilds + d.restarts, 0);
}

TEST_F(StreamEdits, MaskRevisionsDecideWithoutLookingAtTheMasks) {
  for (size_t i = 0; i < snapshot.layers.size(); ++i) snapshot.layers[i].mask_revision = 10 + i;
  snapshot.revision_scope = 42;
  EXPECT_EQ(apply_cost(engine, snapshot).masks, 0) << "revisions given for the first time: compared by value";
  StreamSnapshot same = snapshot;  // the same revision: trusted, even for another tensor
  same.layers[0].region.mask = torch::zeros({64, 64});
  EXPECT_EQ(apply_cost(engine, same).masks, 0);
  StreamSnapshot revised = snapshot;  // a new revision is converted and processed, even for equal values
  revised.layers[0].mask_revision = 20;
  revised.layers[0].region.mask = snapshot.layers[0].region.mask.clone();
  EXPECT_EQ(apply_cost(engine, revised).masks, 1) << "the house; its painted area, the background's cover, is as before";
  StreamSnapshot other = revised;  // another document's revisions mean nothing here
  other.revision_scope = 43;
  other.layers[1].region.mask = test::rect_mask(64, 64, 0, 8, 0, 8);
  EXPECT_EQ(apply_cost(engine, other).masks, 3) << "the changed tree, found by value, and the layers it covers";
}

TEST(StreamDecodes, OnlyTheFirstFrameOfAnEditAndTheSettledOneArePictures) {
  StreamSettings settings;
  settings.decodes = StreamDecodes::ChangesAndSettled;
  StreamEngine engine(tiny_sd15(), settings);
  ASSERT_GT(engine.slots(), 2) << "the test needs frames between the first and the settled one";
  StreamSnapshot snapshot = test::small_layout(1);
  engine.apply(snapshot);  // a new stream fills its slots: settled at once
  EXPECT_TRUE(engine.step().settled);
  for (int round = 0; round < 2; ++round) {
    ++snapshot.version;
    snapshot.layers[0].region.prompt = round ? "a castle" : "a tower";
    engine.apply(snapshot);
    for (int k = 1; k <= engine.slots(); ++k) {
      const StreamFrame f = engine.step();
      const bool picture = k == 1 || k == engine.slots();
      EXPECT_EQ(f.image.pixels.empty(), !picture) << "frame " << k << " after the edit";
      EXPECT_EQ(f.steps_done, k);
      EXPECT_EQ(f.steps_total, engine.slots());
      EXPECT_EQ(f.settled, k == engine.slots());
    }
  }
  engine.apply(snapshot);  // nothing new
  EXPECT_FALSE(engine.step().image.pixels.empty()) << "settled frames are pictures";
}

TEST_F(StreamEdits, ChangedPromptEncodesThatPromptOnly) {
  const torch::Tensor tree = stream_state(engine).derived.table.layers.at(2).cond;
  snapshot.layers[0].region.prompt = "a stone house";
  Cost c = apply_cost(engine, snapshot);
  EXPECT_EQ(c.encoded, 1);
  EXPECT_EQ(c.calls, 1);
  EXPECT_EQ(c.masks, 0);
  EXPECT_EQ(c.rebuilds, 1);
  EXPECT_TRUE(stream_state(engine).derived.table.layers.at(2).cond.is_same(tree)) << "the tree's embedding is kept";
  snapshot.layers[0].region.prompt = "a red house";  // typed back: cached
  c = apply_cost(engine, snapshot);
  EXPECT_EQ(c.calls, 0);
  EXPECT_EQ(c.rebuilds, 1);
}

TEST_F(StreamEdits, PromptStrengthMixesWithoutEncoding) {
  snapshot.layers[1].region.prompt_strength = 0.5;
  const Cost c = apply_cost(engine, snapshot);
  EXPECT_EQ(c.calls, 0);
  EXPECT_EQ(c.masks, 0);
  EXPECT_EQ(c.rebuilds, 1);
  const auto& table = stream_state(engine).derived.table;
  const torch::Tensor expected = 0.5 * (table.background.cond + stream_state(engine).prompts->get({"a green tree"}).at("a green tree").hidden);
  EXPECT_LT((table.layers.at(2).cond - expected).abs().max().item<double>(), 1e-6);
}

TEST_F(StreamEdits, MaskStrokeInsideThePaintedAreaReprocessesThatMaskOnly) {
  const torch::Tensor house = weights(engine, 1), background = stream_state(engine).derived.table.background.quantized;
  snapshot.layers[1].region.mask = test::rect_mask(64, 64, 8, 56, 32, 56, 0.5f);  // same area, fainter
  const Cost c = apply_cost(engine, snapshot);
  EXPECT_EQ(c.masks, 1);
  EXPECT_EQ(c.calls, 0);
  EXPECT_EQ(c.rebuilds, 1);
  EXPECT_TRUE(weights(engine, 1).is_same(house));
  EXPECT_TRUE(stream_state(engine).derived.table.background.quantized.is_same(background));
}

TEST_F(StreamEdits, StrokeThatGrowsATopLayerReprocessesTheLayersItCovers) {
  snapshot.layers[1].region.mask = test::rect_mask(64, 64, 8, 64, 24, 64);  // the tree grows
  EXPECT_EQ(apply_cost(engine, snapshot).masks, 3) << "tree, and the house and background it covers";
  const torch::Tensor tree = weights(engine, 2);
  snapshot.layers[0].region.mask = test::rect_mask(64, 64, 40, 64, 0, 48);  // the house changes
  EXPECT_EQ(apply_cost(engine, snapshot).masks, 2) << "house and background; the tree is above";
  EXPECT_TRUE(weights(engine, 2).is_same(tree));
}

TEST_F(StreamEdits, BlurAndMaskStrengthReprocessThatLayer) {
  snapshot.layers[0].region.mask_blur_std = 3;
  EXPECT_EQ(apply_cost(engine, snapshot).masks, 1);
  snapshot.layers[0].region.mask_strength = 0.9;
  EXPECT_EQ(apply_cost(engine, snapshot).masks, 1);
}

TEST_F(StreamEdits, AddedRemovedAndReorderedLayersRebuildTheConstants) {
  StreamSnapshot added = snapshot;
  added.layers.push_back(test::stream_layer(5, "a bird", torch::zeros({64, 64})));
  Cost c = apply_cost(engine, added);
  EXPECT_EQ(c.masks + c.rebuilds, 0) << "nothing painted yet: the batch stays as it is";
  EXPECT_EQ(c.encoded, 0) << "an unpainted layer's prompt is not needed yet";
  added.layers[2].region.mask = test::rect_mask(64, 64, 0, 8, 0, 8);
  c = apply_cost(engine, added);
  EXPECT_EQ(c.encoded, 1);
  EXPECT_EQ(c.masks, 4) << "the bird, and the three layers under it";
  EXPECT_EQ(c.rebuilds, 1);
  EXPECT_EQ(stream_state(engine).derived.table.masks.size(0), 4);

  StreamSnapshot removed = snapshot;  // the bird goes again: the cover of the others is as before
  c = apply_cost(engine, removed);
  EXPECT_EQ(c.calls, 0);
  EXPECT_EQ(c.masks, 3);
  EXPECT_EQ(c.rebuilds, 1);
  EXPECT_EQ(stream_state(engine).derived.table.masks.size(0), 3);

  StreamSnapshot reordered = snapshot;  // the house above the tree
  std::swap(reordered.layers[0], reordered.layers[1]);
  c = apply_cost(engine, reordered);
  EXPECT_EQ(c.calls, 0);
  EXPECT_EQ(c.rebuilds, 1);
  EXPECT_EQ(stream_state(engine).derived.table.active, (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(c.restarts, 0);
}

TEST_F(StreamEdits, NewSizeOrSeedRestarts) {
  snapshot.seed = 99;
  EXPECT_EQ(apply_cost(engine, snapshot).restarts, 1);
  snapshot.width = 128;
  const Cost c = apply_cost(engine, snapshot);
  EXPECT_EQ(c.restarts, 1);
  EXPECT_EQ(c.calls, 0) << "the prompts are still cached";
  EXPECT_EQ(c.masks, 3);
  EXPECT_EQ(engine.step().image.width, 128);
}

}  // namespace
}  // namespace palette
