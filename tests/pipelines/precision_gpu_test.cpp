// fp16 on CUDA against the float32 references: the one-shot region pipeline on the smd_region_*
// fixtures (recorded draws replayed, as the CPU parity tests do) and the stream engine (SD 1.5, and SDXL in
// both modes) against its own float32 CPU run; CUDA-graph replay against eager calls, for both families.
// Needs CUDA; skips itself without it (the graph runner off CUDA: models/unet/unet_graph_test.cpp).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/stream.h"
#include "pipelines/image_tensor.h"
#include "pipelines/region_fixture.h"
#include "pipelines/region_render.h"
#include "pipelines/stream_layouts.h"
#include "pipelines/stream_state.h"
#include "sampling/noise_source.h"
#include "support/cuda_precision.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

const Model& half_model() {
  static const Model model = [] {
    ModelOptions half;
    half.device = torch::kCUDA;
    half.dtype = torch::kHalf;
    half.taesd = test::fixtures_dir() / "tiny-taesd";
    return Model::load(test::fixtures_dir() / "tiny-sd15", half);
  }();
  return model;
}

// tiny-sdxl in float16 on CUDA (its VAE in bfloat16: force_upcast), decoded by its VAE.
const Model& half_sdxl() {
  static const Model model = [] {
    ModelOptions half;
    half.device = torch::kCUDA;
    half.dtype = torch::kHalf;
    return Model::load(test::fixtures_dir() / "tiny-sdxl", half);
  }();
  return model;
}

TEST(RegionGpu, HalfPrecisionStaysCloseToTheFloat32Reference) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::exact_cuda_math();
  for (const char* name : {"smd_region_128", "smd_region_tiled_128x192"}) {
    const SafetensorsFile file = test::open_case(name);
    const RegionRequest request = test::region_fixture_request(file);
    ReplayNoise noise(test::region_fixture_draws(file));
    const RegionLatents run = region_latents(model_parts(half_model()), request, noise);
    EXPECT_EQ(run.latents.scalar_type(), torch::kHalf);
    EXPECT_TRUE(torch::isfinite(run.latents).all().item<bool>()) << name;
    EXPECT_TRUE(test::check_parity(std::string(name) + " cuda float16 latents_out", run.latents,
                                   file.load("latents_out", torch::kFloat32), 5e-2));
    const torch::Tensor decoded = decode_latents(model_parts(half_model()), run.latents);
    EXPECT_TRUE(torch::isfinite(decoded).all().item<bool>()) << name;
  }
}

// The stream's steady frame latent in fp16 on CUDA (with CUDA graphs) against the same stream in
// float32 on the CPU.
TEST(StreamGpu, HalfPrecisionFrameStaysCloseToFloat32Cpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::exact_cuda_math();
  const StreamSnapshot layout = test::small_layout();
  StreamEngine cpu(test::fixture_model("tiny-sd15"));
  cpu.apply(layout);
  cpu.flush();
  cpu.step();
  StreamEngine gpu(half_model());
  gpu.apply(layout);
  gpu.flush();
  const StreamFrame frame = gpu.step();
  const torch::Tensor expected = stream_state(cpu).last_latent;
  const torch::Tensor actual = stream_state(gpu).last_latent;
  EXPECT_TRUE(torch::isfinite(actual).all().item<bool>());
  EXPECT_TRUE(test::check_parity("stream frame latent, cuda float16 vs cpu float32", actual, expected, 5e-2));
  EXPECT_EQ(frame.image.width, 64);
  EXPECT_GT(stream_state(gpu).unet->captures(), 0) << "the stream batch ran from a CUDA graph";
}

// SDXL's stream (Euler in σ space, pooled embeddings, time ids) in both modes: fp16 on CUDA with CUDA
// graphs against the same stream in float32 on the CPU.
TEST(StreamGpu, SdxlHalfPrecisionFrameStaysCloseToFloat32Cpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::exact_cuda_math();
  for (StreamMode mode : {StreamMode::MultiDiffusion, StreamMode::RegionalAttention}) {
    const std::string name = mode == StreamMode::MultiDiffusion ? "multidiffusion" : "regional";
    StreamSettings settings;
    settings.mode = mode;
    settings.decoder = StreamDecoder::Vae;
    const StreamSnapshot layout = test::small_layout();
    StreamEngine cpu(test::fixture_model("tiny-sdxl"), settings);
    cpu.apply(layout);
    cpu.flush();
    cpu.step();
    StreamEngine gpu(half_sdxl(), settings);
    gpu.apply(layout);
    gpu.flush();
    const StreamFrame frame = gpu.step();
    const torch::Tensor actual = stream_state(gpu).last_latent;
    EXPECT_TRUE(torch::isfinite(actual).all().item<bool>()) << name;
    EXPECT_TRUE(test::check_parity("SDXL " + name + " stream frame latent, cuda float16 vs cpu float32", actual,
                                   stream_state(cpu).last_latent, 5e-2));
    EXPECT_EQ(frame.image.width, 64);
    EXPECT_GT(stream_state(gpu).unet->captures(), 0) << name << ": the stream batch ran from a CUDA graph";
  }
}

// In both modes (the regional one records its context's buffers too): replay equals eager calls, and a
// prompt edit (and, regional, a mask edit) keeps the shapes, so it replays instead of recording again.
void expect_graph_replay_equals_eager(const Model& model, const std::string& family) {
  for (StreamMode mode : {StreamMode::MultiDiffusion, StreamMode::RegionalAttention}) {
    const std::string name = family + (mode == StreamMode::MultiDiffusion ? " multidiffusion" : " regional");
    const StreamSnapshot layout = test::small_layout();
    StreamSettings eager_settings, graph_settings;
    eager_settings.cuda_graphs = false;
    eager_settings.mode = graph_settings.mode = mode;
    StreamEngine eager(model, eager_settings), graphed(model, graph_settings);
    eager.apply(layout);
    graphed.apply(layout);
    // The frame stage (decode, picture blend, bytes) is a graph of its own: its bytes must match too,
    // up to a rounding flip where the latents differ in the last bit.
    const auto frames_equal = [&](const StreamFrame& a, const StreamFrame& b) {
      if (a.image.width != b.image.width || a.image.height != b.image.height ||
          a.image.pixels.size() != b.image.pixels.size() || a.image.pixels.empty())
        return false;
      int worst = 0;
      for (size_t k = 0; k < a.image.pixels.size(); ++k)
        worst = std::max(worst, std::abs(int(a.image.pixels[k]) - int(b.image.pixels[k])));
      return worst <= 1;
    };
    for (int i = 0; i < 8; ++i) EXPECT_TRUE(frames_equal(eager.step(), graphed.step())) << name << " frame " << i;
    const double error = test::relative_error(stream_state(graphed).last_latent, stream_state(eager).last_latent);
    std::printf("%s: graph replay vs eager, 8 frames: relative error %.3g\n", name.c_str(), error);
    EXPECT_LT(error, 1e-3) << name;
    EXPECT_EQ(stream_state(graphed).unet->captures(), 1) << name;
    EXPECT_GE(stream_state(graphed).unet->replays(), 8) << name;
    EXPECT_EQ(stream_state(eager).unet->captures(), 0) << name;
    EXPECT_EQ(stream_state(graphed).frames->recordings(), 1) << name;
    EXPECT_EQ(stream_state(eager).frames->recordings(), 0) << name;
    StreamSnapshot edited = layout;
    edited.version = 2;
    edited.layers[0].region.prompt = "a blue house";
    if (mode == StreamMode::RegionalAttention) edited.layers[0].region.mask = 1 - edited.layers[0].region.mask;
    graphed.apply(edited);
    eager.apply(edited);
    graphed.flush();
    eager.flush();
    EXPECT_TRUE(frames_equal(eager.step(), graphed.step())) << name << " after an edit";
    EXPECT_EQ(stream_state(graphed).unet->captures(), 1) << name;
    EXPECT_EQ(stream_state(graphed).frames->recordings(), 1) << name;
    const double edited_error = test::relative_error(stream_state(graphed).last_latent, stream_state(eager).last_latent);
    std::printf("%s: after an edit: relative error %.3g\n", name.c_str(), edited_error);
    EXPECT_LT(edited_error, 1e-3) << name;

    // A picture under the layers: the frame stage now blends into it, recorded once more (the
    // background prompt's layer leaves the batch, so the UNet records a new shape too).
    auto picture = std::make_shared<Image>();
    picture->width = edited.width;
    picture->height = edited.height;
    picture->channels = 3;
    for (int k = 0; k < picture->width * picture->height * 3; ++k) picture->pixels.push_back(uint8_t(k * 7 % 251));
    edited.version = 3;
    edited.background.image = picture;
    graphed.apply(edited);
    eager.apply(edited);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(frames_equal(eager.step(), graphed.step())) << name << " over a picture";
    EXPECT_EQ(stream_state(graphed).frames->recordings(), 2) << name;
  }
}

TEST(StreamGpu, CudaGraphReplayEqualsEagerCalls) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::exact_cuda_math();
  expect_graph_replay_equals_eager(half_model(), "SD 1.5");
}

TEST(StreamGpu, SdxlCudaGraphReplayEqualsEagerCalls) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::exact_cuda_math();
  expect_graph_replay_equals_eager(half_sdxl(), "SDXL");
}

}  // namespace
}  // namespace palette
