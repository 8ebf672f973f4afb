// StreamMode::RegionalAttention end to end in the engine: a layout that is one prompt over the whole
// canvas gives the same frames as the MultiDiffusion stream of that prompt alone (with and without
// classifier-free guidance; SD 1.5 with LCM and SDXL with its Euler stream and pooled embeddings), and
// edits reach the regional constants as they reach the exact mode's.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "palette/model.h"
#include "palette/stream.h"
#include "pipelines/stream_layouts.h"
#include "pipelines/stream_batch.h"
#include "pipelines/stream_state.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

const Model& tiny_sd15() { return test::fixture_model("tiny-sd15"); }
const Model& tiny_sdxl() { return test::fixture_model("tiny-sdxl"); }

StreamSettings regional_settings() {
  StreamSettings settings;
  settings.mode = StreamMode::RegionalAttention;
  settings.decoder = StreamDecoder::Vae;
  return settings;
}

// The layout's steady frame latent after a flush.
torch::Tensor steady_latent(StreamEngine& engine, const StreamSnapshot& snapshot) {
  engine.apply(snapshot);
  engine.flush();
  engine.step();
  return stream_state(engine).last_latent;
}

// One layer painted over everything with a cover that all but removes the background layer (discrete
// masks: the background's 1e-6 never exceeds a noise level), against a stream with no layers whose
// background prompt is that layer's: both are plain generation with one prompt.
void expect_one_layer_is_plain(const Model& model, double guidance, const std::string& label) {
  StreamSettings regional = regional_settings();
  regional.sampling.mask_type = RegionMaskType::Discrete;
  regional.sampling.cover_alpha = 1e-6;
  regional.sampling.bootstrap_steps = 0;
  regional.sampling.guidance = guidance;
  StreamSnapshot layout = test::small_layout();
  layout.background.negative_prompt = "blurry";
  layout.layers = {test::stream_layer(1, "a red house", torch::ones({64, 64}))};
  layout.layers[0].region.negative_prompt = "dark";
  StreamEngine engine(model, regional);
  const torch::Tensor regional_latent = steady_latent(engine, layout);
  const StreamEngine::State& state = stream_state(engine);
  ASSERT_EQ(state.derived.batch->unet_items(), (guidance > 1 ? 2 : 1) * state.slots) << "one item per slot";
  ASSERT_EQ(state.derived.table.masks.size(0), 2);  // the background takes part, at weight 0

  StreamSettings exact = regional;
  exact.mode = StreamMode::MultiDiffusion;
  StreamSnapshot single = layout;
  single.background.prompt = "a red house";
  single.background.negative_prompt = "dark";
  single.layers.clear();
  StreamEngine reference(model, exact);
  EXPECT_TRUE(test::check_parity(label, regional_latent, steady_latent(reference, single), 1e-5));
}

TEST(StreamRegional, OneLayerOverTheCanvasIsTheSingleLayerStream) {
  expect_one_layer_is_plain(tiny_sd15(), 1.0, "regional stream, one layer over the canvas");
}

TEST(StreamRegional, OneLayerOverTheCanvasWithGuidance) {
  expect_one_layer_is_plain(tiny_sd15(), 3.0, "regional stream with CFG, one layer over the canvas");
}

// SDXL: Euler steps in σ space per slot, the layer's pooled embedding and the canvas's time ids.
TEST(StreamRegional, SdxlOneLayerOverTheCanvasIsTheSingleLayerStream) {
  expect_one_layer_is_plain(tiny_sdxl(), 0.0, "SDXL regional stream, one layer over the canvas");
}

TEST(StreamRegional, SdxlOneLayerOverTheCanvasWithGuidance) {
  expect_one_layer_is_plain(tiny_sdxl(), 3.0, "SDXL regional stream with CFG, one layer over the canvas");
}

// A prompt edit and a moved mask go through the incremental apply; after a flush the frame equals a
// fresh regional engine's (which proves the regional constants were rebuilt, not left stale).
void expect_flushed_edit_equals_a_fresh_engine(const Model& model) {
  StreamEngine engine(model, regional_settings());
  steady_latent(engine, test::small_layout());
  StreamSnapshot edited = test::small_layout(2);
  edited.layers[0].region.prompt = "a blue boat";
  edited.layers[1].region.mask = test::rect_mask(64, 64, 0, 24, 8, 40);
  const torch::Tensor after_edit = steady_latent(engine, edited);
  EXPECT_EQ(stream_state(engine).derived.table.masks.size(0), 3);  // background + two layers
  EXPECT_EQ(stream_state(engine).derived.batch->unet_items(), engine.slots());

  StreamEngine fresh(model, regional_settings());
  EXPECT_TRUE(test::check_parity("regional stream, edit vs fresh engine", after_edit, steady_latent(fresh, edited),
                                 1e-6));
  // The regional picture is its own: not the exact blend of the same layout.
  StreamSettings exact = regional_settings();
  exact.mode = StreamMode::MultiDiffusion;
  StreamEngine multidiffusion(model, exact);
  EXPECT_FALSE(torch::allclose(after_edit, steady_latent(multidiffusion, edited), 1e-3, 1e-3));
  EXPECT_TRUE(torch::isfinite(after_edit).all().item<bool>());
}

TEST(StreamRegional, FlushedEditEqualsAFreshEngine) { expect_flushed_edit_equals_a_fresh_engine(tiny_sd15()); }

TEST(StreamRegional, SdxlFlushedEditEqualsAFreshEngine) { expect_flushed_edit_equals_a_fresh_engine(tiny_sdxl()); }

// SDXL's pooled embedding conditions the whole picture, so a slot's is the layers' averaged by the share of
// the canvas they hold there: slot 0 of a 2×2 canvas gives layer 0 three pixels at weight 1 and layer 1 one
// pixel at 0.5 and one at 0.5 (shares 3/4 and 1/4); slot 1 gives no layer any weight (even shares).
TEST(StreamRegional, SdxlPooledEmbeddingIsTheLayersAveragedByTheirShares) {
  torch::Tensor masks = torch::zeros({2, 2, 1, 2, 2});
  masks[0][0][0][0][0] = 1, masks[0][0][0][0][1] = 1, masks[0][0][0][1][0] = 1;
  masks[1][0][0][1][0] = 0.5, masks[1][0][0][1][1] = 0.5;
  const std::vector<torch::Tensor> pooled = {torch::tensor({{4.0f, 0.0f, 8.0f}}), torch::tensor({{0.0f, 4.0f, -8.0f}})};
  const torch::Tensor mixed = regional_pooled(pooled, masks);
  const torch::Tensor expected = torch::tensor({{3.0f, 1.0f, 4.0f}, {2.0f, 2.0f, 0.0f}});
  EXPECT_TRUE(torch::allclose(mixed, expected, 1e-6, 1e-6)) << mixed;
  const torch::Tensor half = regional_pooled({pooled[0].to(torch::kBFloat16), pooled[1].to(torch::kBFloat16)},
                                             masks.to(torch::kBFloat16));
  EXPECT_EQ(half.scalar_type(), torch::kBFloat16);  // in the embeddings' dtype
  EXPECT_TRUE(torch::allclose(half.to(torch::kFloat), expected, 1e-2, 1e-2)) << half;
}

}  // namespace
}  // namespace palette
