// The fused CUDA kernels (kernels/fused_ops.h) against ATen's own operations on the same GPU, in
// float32, float16 and bfloat16, and the UNet's NHWC path with them against its plain NCHW path.
// Needs CUDA and a build with the kernels; skips itself otherwise.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <string>

#include "kernels/fused_ops.h"
#include "models/model_parts.h"
#include "palette/model.h"
#include "support/cuda_precision.h"
#include "support/fixtures.h"

namespace palette {
namespace {

bool usable() { return torch::cuda::is_available() && fused::kernels_built(); }
const char* why_not() { return torch::cuda::is_available() ? "built without the fused kernels" : "no CUDA device"; }

torch::Tensor nhwc(const torch::Tensor& t) { return t.contiguous(at::MemoryFormat::ChannelsLast); }

// Largest absolute difference over the reference's largest magnitude.
double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  const torch::Tensor w = want.to(torch::kFloat32);
  const double scale = std::max(w.abs().max().item<double>(), 1e-12);
  return (got.to(torch::kFloat32) - w).abs().max().item<double>() / scale;
}

double tolerance(torch::ScalarType dtype) {
  return dtype == torch::kFloat32 ? 2e-5 : dtype == torch::kFloat16 ? 2e-3 : 1.6e-2;
}

const torch::ScalarType kTypes[] = {torch::kFloat32, torch::kFloat16, torch::kBFloat16};

const fused::Ops kFused(/*kernels=*/true);

// The fixture model on the GPU in `dtype` (with its tiny TAESD), TF32 off so float32 is float32.
Model cuda_fixture_model(torch::ScalarType dtype, bool fused_kernels = true) {
  test::exact_cuda_math();
  ModelOptions options;
  options.device = torch::kCUDA;
  options.dtype = dtype;
  options.taesd = test::fixtures_dir() / "tiny-taesd";
  options.fused_kernels = fused_kernels;
  return Model::load(test::fixtures_dir() / "tiny-sd15", options);
}

TEST(FusedGpu, GroupNormMatchesAtenWithAddendAndSilu) {
  if (!usable()) GTEST_SKIP() << why_not();
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  struct Case {
    int64_t n, c, h, w, groups;
  };
  // SD 1.5's widths (320, 640, 1280 and the up blocks' concatenations 960, 1920, 2560, with 10–80
  // channels per group), the fixture model's (32: one channel per group) and odd sizes.
  const Case cases[] = {{2, 320, 64, 64, 32}, {3, 1920, 16, 16, 32}, {2, 960, 32, 32, 32}, {1, 2560, 8, 8, 32},
                        {2, 32, 9, 7, 32},    {4, 64, 5, 5, 16},     {1, 1280, 1, 1, 32}};
  for (const Case& k : cases)
    for (torch::ScalarType dtype : kTypes)
      for (int variant = 0; variant < 4; ++variant) {
        const bool silu = variant & 1, with_addend = variant & 2;
        const auto cuda = torch::dtype(torch::kFloat32).device(torch::kCUDA);
        // An offset mean, as activations have, so the variance is not taken from centred data only.
        const torch::Tensor x = (torch::randn({k.n, k.c, k.h, k.w}, cuda) * 3 + 1.5).to(dtype);
        const torch::Tensor gamma = torch::randn({k.c}, cuda).to(dtype), beta = torch::randn({k.c}, cuda).to(dtype);
        const torch::Tensor addend = with_addend ? torch::randn({k.n, k.c}, cuda).to(dtype) : torch::Tensor();
        torch::Tensor in = x.to(torch::kFloat32);
        if (with_addend) in = in + addend.to(torch::kFloat32).view({k.n, k.c, 1, 1});
        torch::Tensor want = torch::group_norm(in, k.groups, gamma.to(torch::kFloat32), beta.to(torch::kFloat32), 1e-5);
        if (silu) want = torch::silu(want);
        ASSERT_TRUE(kFused.applies(nhwc(x)));
        const torch::Tensor got = kFused.group_norm(nhwc(x), k.groups, gamma, beta, 1e-5, silu, addend);
        EXPECT_TRUE(got.is_contiguous(at::MemoryFormat::ChannelsLast));
        EXPECT_EQ(got.scalar_type(), dtype);
        const double error = relative_error(got, want);
        const std::string what = std::to_string(k.n) + "x" + std::to_string(k.c) + "x" + std::to_string(k.h) + "x" +
                                 std::to_string(k.w) + "/" + std::to_string(k.groups) + " " + c10::toString(dtype) +
                                 (silu ? " silu" : "") + (with_addend ? " addend" : "");
        std::printf("group_norm %-40s relative error %.2e\n", what.c_str(), error);
        EXPECT_LT(error, tolerance(dtype)) << what;
        // No atomics in the reductions: the same input gives the same bits (a still stream stays still).
        EXPECT_TRUE(torch::equal(got, kFused.group_norm(nhwc(x), k.groups, gamma, beta, 1e-5, silu, addend))) << what;
      }
}

TEST(FusedGpu, BiasResidualGegluAndLayerNormMatchAten) {
  if (!usable()) GTEST_SKIP() << why_not();
  torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  const auto cuda = torch::dtype(torch::kFloat32).device(torch::kCUDA);
  for (torch::ScalarType dtype : kTypes) {
    const torch::Tensor y = torch::randn({3, 640, 17, 9}, cuda).to(dtype);
    const torch::Tensor bias = torch::randn({640}, cuda).to(dtype);
    const torch::Tensor residual = torch::randn({3, 640, 17, 9}, cuda).to(dtype);
    const auto f = [](const torch::Tensor& t) { return t.to(torch::kFloat32); };
    const torch::Tensor want = (f(y) + f(bias).view({1, -1, 1, 1}) + f(residual)) * 0.5;
    torch::Tensor got = nhwc(y);
    kFused.add_bias_residual_(got, bias, nhwc(residual), 0.5);
    const double e1 = relative_error(got, want);
    torch::Tensor bias_only = nhwc(y);
    kFused.add_bias_residual_(bias_only, bias, {});
    const double e2 = relative_error(bias_only, f(y) + f(bias).view({1, -1, 1, 1}));

    const torch::Tensor x = torch::randn({2, 333, 2 * 1280}, cuda).to(dtype);
    const auto halves = f(x).chunk(2, -1);
    const double e3 = relative_error(kFused.geglu(x), halves[0] * torch::gelu(halves[1]));
    double e4 = 0, e5 = 0;
    for (int64_t c : {320, 640, 1280, 2048}) {
      torch::nn::LayerNorm norm(torch::nn::LayerNormOptions({c}).eps(1e-5));
      norm->to(torch::kCUDA, dtype);
      {
        torch::NoGradGuard init;
        norm->weight.normal_();
        norm->bias.normal_();
      }
      const torch::Tensor rows = (torch::randn({3, 257, c}, cuda) * 2 + 1).to(dtype);
      const torch::Tensor want_ln = torch::layer_norm(f(rows), {c}, f(norm->weight), f(norm->bias), 1e-5);
      e4 = std::max(e4, relative_error(kFused.layer_norm(norm, rows), want_ln));
      // With a per-channel addend: the norm of rows + addend.
      const torch::Tensor addend = torch::randn({c}, cuda).to(dtype);
      const torch::Tensor want_added =
          torch::layer_norm(f(rows) + f(addend), {c}, f(norm->weight), f(norm->bias), 1e-5);
      e5 = std::max(e5, relative_error(kFused.layer_norm(norm, rows, addend), want_added));
    }
    // A residual added by the GEMM in place, the bias owed in `pending`.
    torch::nn::Linear layer(96, 320);
    layer->to(torch::kCUDA, dtype);
    const torch::Tensor input = torch::randn({2, 77, 96}, cuda).to(dtype);
    torch::Tensor h = torch::randn({2, 77, 320}, cuda).to(dtype);
    const torch::Tensor want_h = f(h) + torch::linear(f(input), f(layer->weight), f(layer->bias));
    torch::Tensor pending = torch::ones({320}, cuda).to(dtype);
    kFused.add_linear_without_bias_(h, layer, input, pending);
    const double e6 = relative_error(f(h) + f(pending) - 1, want_h);
    std::printf("%s: bias+residual %.2e, bias %.2e, geglu %.2e, layer_norm %.2e (with addend %.2e), "
                "linear into the residual %.2e\n",
                c10::toString(dtype), e1, e2, e3, e4, e5, e6);
    EXPECT_LT(e4, tolerance(dtype));
    EXPECT_LT(e5, tolerance(dtype));
    EXPECT_LT(e6, tolerance(dtype));
    EXPECT_LT(e1, tolerance(dtype));
    EXPECT_LT(e2, tolerance(dtype));
    EXPECT_LT(e3, tolerance(dtype));
  }
}

// The whole UNet: the NHWC path with the fused kernels against the plain path on the same weights
// (the model loaded again without them).
TEST(FusedGpu, UNetNhwcPathEqualsThePlainPath) {
  if (!usable()) GTEST_SKIP() << why_not();
  for (torch::ScalarType dtype : {torch::kFloat32, torch::kFloat16}) {
    const Model model = cuda_fixture_model(dtype);
    const Model plain_model = cuda_fixture_model(dtype, /*fused_kernels=*/false);
    UNet2DConditionModel unet = model_parts(model).unet, plain_unet = model_parts(plain_model).unet;
    torch::manual_seed(2);
    const auto on = torch::dtype(dtype).device(torch::kCUDA);
    const torch::Tensor x = torch::randn({3, 4, 64, 48}, on);
    const torch::Tensor t = torch::tensor({999, 500, 21}, torch::dtype(torch::kInt64).device(torch::kCUDA));
    const torch::Tensor hidden = torch::randn({3, 77, unet->config().cross_attention_dim[0]}, on);
    // Regional attention too: two prompt layers split the picture left and right.
    const torch::Tensor contexts = torch::randn({1, 2, 77, unet->config().cross_attention_dim[0]}, on);
    torch::Tensor masks = torch::zeros({1, 2, 1, 64, 48}, on);
    masks.index_put_({0, 0, 0, torch::indexing::Slice(), torch::indexing::Slice(0, 24)}, 1);
    masks.index_put_({0, 1, 0, torch::indexing::Slice(), torch::indexing::Slice(24, 48)}, 1);
    const RegionalContext regional = unet->regional_context(contexts, masks);
    torch::Tensor fast, plain, fast_regional, plain_regional;
    {
      torch::NoGradGuard no_grad;
      fast = unet->forward(x, t, hidden);
      fast_regional = unet->forward(x, t, regional);
      plain = plain_unet->forward(x, t, hidden);
      plain_regional = plain_unet->forward(x, t, regional);
    }
    EXPECT_TRUE(fast.is_contiguous());
    EXPECT_TRUE(torch::isfinite(fast).all().item<bool>());
    const double error = relative_error(fast, plain);
    const double regional_error = relative_error(fast_regional, plain_regional);
    std::printf("UNet tiny-sd15 %s: NHWC fused vs plain relative error %.2e, regional attention %.2e\n",
                c10::toString(dtype), error, regional_error);
    EXPECT_LT(error, dtype == torch::kFloat32 ? 1e-4 : 1e-2);
    EXPECT_LT(regional_error, dtype == torch::kFloat32 ? 1e-4 : 1e-2);
    // With autograd recording (SyncDiffusion's gradient) the plain path runs, channels-last weights or not.
    const torch::Tensor xg = x.clone().set_requires_grad(true);
    const torch::Tensor with_grad = unet->forward(xg, t, hidden);
    with_grad.sum().backward();
    EXPECT_TRUE(xg.grad().defined());
    EXPECT_LT(relative_error(with_grad.detach(), plain), dtype == torch::kFloat32 ? 1e-5 : 1e-2);
  }
}

// The autoencoder's encoder and decoder: channels-last with the fused kernels against the plain path.
TEST(FusedGpu, AutoencodersNhwcPathEqualsThePlainPath) {
  if (!usable()) GTEST_SKIP() << why_not();
  for (torch::ScalarType dtype : {torch::kFloat32, torch::kFloat16}) {
    const Model model = cuda_fixture_model(dtype);
    const Model plain_model = cuda_fixture_model(dtype, /*fused_kernels=*/false);
    AutoencoderKL vae = model_parts(model).vae, plain_vae = model_parts(plain_model).vae;
    Taesd taesd = model_parts(model).taesd, plain_taesd = model_parts(plain_model).taesd;
    torch::manual_seed(3);
    const auto on = torch::dtype(dtype).device(torch::kCUDA);
    const torch::Tensor image = torch::rand({2, 3, 96, 128}, on) * 2 - 1;
    const torch::Tensor z = torch::randn({2, 4, 12, 16}, on);
    torch::NoGradGuard no_grad;
    const GaussianPosterior fast_post = vae->encode(image);
    const torch::Tensor fast_image = vae->decode(z);
    const torch::Tensor fast_tiny = taesd->decode(z), fast_tiny_latent = taesd->encode(image);
    const GaussianPosterior plain_post = plain_vae->encode(image);
    const torch::Tensor plain_image = plain_vae->decode(z);
    const torch::Tensor plain_tiny = plain_taesd->decode(z), plain_tiny_latent = plain_taesd->encode(image);
    const double e_tiny = std::max(relative_error(fast_tiny, plain_tiny), relative_error(fast_tiny_latent, plain_tiny_latent));
    std::printf("TAESD tiny %s: channels-last fused vs plain %.2e\n", c10::toString(dtype), e_tiny);
    EXPECT_LT(e_tiny, dtype == torch::kFloat32 ? 1e-4 : 1e-2);
    const double e_mean = relative_error(fast_post.mean, plain_post.mean);
    const double e_image = relative_error(fast_image, plain_image);
    std::printf("VAE tiny-sd15 %s: NHWC fused vs plain: posterior mean %.2e, decoded %.2e\n", c10::toString(dtype),
                e_mean, e_image);
    EXPECT_TRUE(fast_image.is_contiguous());
    EXPECT_LT(e_mean, dtype == torch::kFloat32 ? 1e-4 : 1e-2);
    EXPECT_LT(e_image, dtype == torch::kFloat32 ? 1e-4 : 1e-2);
  }
}

}  // namespace
}  // namespace palette
