// Text to image on CUDA in float16 (the CLI's default there): the reference cases within half-precision
// tolerances.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/model_parts.h"
#include "palette/model.h"
#include "palette/render.h"
#include "pipelines/image_tensor.h"
#include "pipelines/text_to_image.h"
#include "pipelines/txt2img_case.h"
#include "sampling/noise_source.h"
#include "sampling/scheduler.h"
#include "support/cuda_precision.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

using test::open_txt2img;

// On CUDA the pipelines run in float16 (the CLI's default there): the same reference cases, with
// tolerances for half precision, and a finite picture at the end.
TEST(TextToImageGpu, HalfPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  test::exact_cuda_math();
  ModelOptions half;
  half.device = torch::kCUDA;
  half.dtype = torch::kHalf;
  const std::pair<const char*, const char*> cases[] = {{"sd21_txt2img_euler1", "tiny-sd21"},
                                                       {"sd15_txt2img_lcm4", "tiny-sd15"}};
  for (const auto& [name, model_name] : cases) {
    const Model model = Model::load(test::fixtures_dir() / model_name, half);
    auto c = open_txt2img(name);
    SeededNoise step_noise(
        c.file.metadata().count("noise_seed") ? std::stoull(c.file.metadata().at("noise_seed")) : 0);
    const auto run = text_to_image_latents(model_parts(model), c.options, step_noise, c.file.load("latents_in"));
    EXPECT_EQ(run.latents.scalar_type(), torch::kHalf);
    EXPECT_TRUE(run.latents.is_cuda());
    EXPECT_TRUE(test::check_parity(std::string(name) + " cuda float16 latents_out", run.latents,
                                   c.file.load("latents_out"), 5e-2));
    const torch::Tensor decoded = decode_latents(model_parts(model), run.latents);
    EXPECT_TRUE(torch::isfinite(decoded).all().item<bool>()) << name;
  }
}

}  // namespace
}  // namespace palette
