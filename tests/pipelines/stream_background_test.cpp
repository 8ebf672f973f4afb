// The stream engine over a background image: a new picture is encoded once and the stream goes on
// without a restart, frames keep the picture beyond the layers' blurred masks and blend into it across
// soft seams (checked against the Gaussian written out here), TAESD encodes the picture when it decodes
// the frames, and with nothing painted the frames are the picture.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/stream.h"
#include "pipelines/background_photos.h"
#include "pipelines/image_tensor.h"
#include "pipelines/photo_tensor.h"
#include "pipelines/stream_layouts.h"
#include "pipelines/stream_state.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

const Model& tiny_sd15() {
  return test::fixture_model("tiny-sd15");
}

// A house and a tree (test::small_layout) painted over `picture`; (60, 2) is left unpainted.
StreamSnapshot photo_layout(std::shared_ptr<const Image> picture) {
  StreamSnapshot s = test::small_layout();
  s.background.image = std::move(picture);
  return s;
}

std::shared_ptr<const Image> inverted_photo(int side) {
  Image image = test::photo(side, side);
  for (uint8_t& v : image.pixels) v = uint8_t(255 - v);
  return std::make_shared<const Image>(std::move(image));
}

TEST(StreamBackground, NewPictureIsEncodedOnceWithoutARestart) {
  StreamEngine engine(tiny_sd15());
  const auto first_picture = test::shared_photo(64, 64);
  StreamSnapshot s = photo_layout(first_picture);
  engine.apply(s);
  EXPECT_EQ(engine.stats().background_encodes, 1);
  EXPECT_EQ(stream_state(engine).derived.table.masks.size(0), 2) << "two layers and no background layer";
  engine.step();

  s.version = 2;
  s.background.image = std::make_shared<const Image>(*first_picture);  // equal pixels, another pointer
  s.layers[0].region.prompt = "a blue house";
  engine.apply(s);
  EXPECT_EQ(engine.stats().background_encodes, 1) << "an equal picture is not encoded again";

  s.version = 3;
  s.background.image = inverted_photo(64);
  const torch::Tensor buffer = stream_state(engine).buffer.clone();
  engine.apply(s);
  EXPECT_EQ(engine.stats().background_encodes, 2);
  EXPECT_EQ(engine.stats().restarts, 1);
  EXPECT_TRUE(torch::equal(stream_state(engine).buffer, buffer)) << "the stream goes on from where it was";
  EXPECT_FALSE(engine.step().settled);
  engine.flush();
  const StreamFrame shown = engine.step();
  EXPECT_TRUE(shown.settled);
  EXPECT_EQ(test::pixel_difference(shown.image, *s.background.image, 60, 2), 0)
      << "unpainted: the new picture";

  StreamEngine fresh(tiny_sd15());
  fresh.apply(s);
  // Equal up to float32 rounding: the fresh stream batches its work differently (see stream_engine_test).
  const int pixel_error = test::max_byte_difference(fresh.step().image, shown.image);
  std::printf("new picture vs a fresh stream: %d/255\n", pixel_error);
  EXPECT_LE(pixel_error, 2) << "the same picture as a fresh stream";

  s.version = 4;
  s.background.image = nullptr;
  engine.apply(s);
  EXPECT_EQ(stream_state(engine).derived.table.masks.size(0), 3) << "the background layer is back";
  EXPECT_EQ(engine.stats().background_encodes, 2);
}

// Σ of the normalised Gaussian (σ, radius ⌈3σ⌉: the reference's kernel) over the painted interval
// [a, b) at position t: the blur of a box, one axis at a time.
double box_blur(double sigma, int a, int b, int t) {
  const int radius = int(std::ceil(3 * sigma));
  double sum = 0, inside = 0;
  for (int d = -radius; d <= radius; ++d) {
    const double w = std::exp(-d * d / (2 * sigma * sigma));
    sum += w;
    if (t - d >= a && t - d < b) inside += w;
  }
  return inside / sum;
}

TEST(StreamBackground, FramesKeepThePictureAndBlurredMasksGiveSoftSeams) {
  const int side = 128, a = 40, b = 88;
  const double sigma = 8;  // the reference app's advice for this mode: 8–32
  const auto picture = test::shared_photo(side, side);
  StreamSnapshot s;
  s.width = s.height = side;
  s.seed = 4;
  s.background.image = picture;
  s.layers.push_back(test::stream_layer(1, "a fountain", test::rect_mask(side, side, a, b, a, b)));
  s.layers[0].region.mask_blur_std = sigma;
  StreamSettings settings;
  settings.decoder = StreamDecoder::Vae;
  StreamEngine engine(tiny_sd15(), settings);
  engine.apply(s);
  const Image frame = engine.step().image;

  torch::Tensor cover = torch::empty({side, side}, torch::kFloat64);
  auto weight = cover.accessor<double, 2>();
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) weight[y][x] = box_blur(sigma, a, b, y) * box_blur(sigma, a, b, x);
  const torch::Tensor engine_cover = stream_state(engine).derived.table.photo_cover.to(torch::kCPU, torch::kFloat64)[0][0];
  const double cover_error = (engine_cover - cover).abs().max().item<double>();
  int soft = 0;
  for (int x = 0; x < side; ++x) soft += weight[64][x] > 0.05 && weight[64][x] < 0.95;
  std::printf(
      "blend weights vs the Gaussian: largest difference %.2e; %d pixels of the seam across row 64 are "
      "between 5%% and 95%%\n",
      cover_error, soft);
  EXPECT_LT(cover_error, 1e-5);
  EXPECT_GE(soft, 2 * sigma) << "a soft seam, not a cut";

  // The frame is the do_blend of the generated picture and the background image through those weights.
  const torch::Tensor generated =
      (decode_latents(model_parts(tiny_sd15()), stream_state(engine).last_latent)[0] / 2 + 0.5)
          .clamp(0, 1)
          .to(torch::kFloat64);
  const torch::Tensor expected =
      ((cover * generated + (1 - cover) * test::photo_tensor(*picture)[0].to(torch::kFloat64)) * 255)
          .round()
          .contiguous();
  const auto want = expected.accessor<double, 3>();
  int worst = 0, worst_beyond = 0;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      for (int c = 0; c < 3; ++c) {
        const int d = std::abs(frame.pixels[(size_t(y) * side + x) * 4 + c] - int(want[c][y][x]));
        worst = std::max(worst, d);
        if (weight[y][x] == 0) worst_beyond = std::max(worst_beyond, d);
      }
  std::printf("frame vs do_blend: %d/255 (where the weight is 0: %d/255)\n", worst, worst_beyond);
  EXPECT_LE(worst, 1);
  EXPECT_EQ(worst_beyond, 0);
}

TEST(StreamBackground, TaesdEncodesThePictureAndAnEmptyLayoutShowsIt) {
  const Model& model = test::fixture_model_with_taesd("tiny-sd15");
  StreamEngine engine(model);
  ASSERT_TRUE(stream_state(engine).use_taesd);
  const auto picture = test::shared_photo(64, 64);
  StreamSnapshot s = photo_layout(picture);
  engine.apply(s);
  {
    torch::NoGradGuard no_grad;
    Taesd taesd = model_parts(model).taesd;
    EXPECT_TRUE(test::check_parity("background latent vs TAESD's encoding",
                                   stream_state(engine).derived.canvas.background_latent,
                                   taesd->encode(test::photo_tensor(*picture) * 2 - 1), 1e-5));
  }
  const StreamFrame painted = engine.step();

  for (StreamLayer& layer : s.layers) layer.enabled = false;
  s.version = 2;
  engine.apply(s);
  engine.flush();
  const StreamFrame bare = engine.step();
  EXPECT_TRUE(bare.settled);
  EXPECT_GT(bare.index, painted.index);
  int worst = 0;
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) worst = std::max(worst, test::pixel_difference(bare.image, *picture, x, y));
  EXPECT_EQ(worst, 0) << "nothing painted: the frame is the picture";

  s.layers[0].enabled = true;
  s.version = 3;
  engine.apply(s);
  engine.flush();
  engine.step();
  EXPECT_TRUE(torch::isfinite(stream_state(engine).last_latent).all().item<bool>());
}

}  // namespace
}  // namespace palette
