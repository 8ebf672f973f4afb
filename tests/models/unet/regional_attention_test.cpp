// Regional cross-attention (docs/algorithms.md §7) on the tiny SD 1.5 UNet: prompts that do not differ
// between regions give exactly the plain UNet, each prompt steers the output in its own region, and
// contexts or masks of the wrong shape are named.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>

#include "models/model_parts.h"
#include "models/unet/regional_attention.h"
#include "palette/error.h"
#include "support/error_of.h"
#include "support/parity.h"

namespace palette {
namespace {

UNet2DConditionModel tiny_unet() { return model_parts(test::fixture_model("tiny-sd15")).unet; }

// Text-like contexts of the tiny model's width (32 channels, 77 tokens), one per call.
torch::Tensor random_context(uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({1, 77, 32});
}

TEST(RegionalAttention, OneLayerOverTheWholeCanvasIsPlainGeneration) {
  UNet2DConditionModel unet = tiny_unet();
  torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  // Odd sides: the masks must meet every resolution the UNet reaches by its ceil-halving downsamplers.
  const torch::Tensor sample = torch::randn({2, 4, 13, 7});
  const torch::Tensor timesteps = torch::tensor({999, 259});
  const torch::Tensor context = random_context(2);
  const torch::Tensor plain = unet->forward(sample, timesteps, context.expand({2, 77, 32}));
  const RegionalContext whole = unet->regional_context(context.unsqueeze(1), torch::ones({1, 1, 1, 13, 7}));
  EXPECT_TRUE(test::check_parity("regional, one layer over the canvas", unet->forward(sample, timesteps, whole),
                                 plain, 1e-5));
}

TEST(RegionalAttention, IdenticalLayersUnderAnyMasksArePlainGeneration) {
  UNet2DConditionModel unet = tiny_unet();
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  const torch::Tensor sample = torch::randn({4, 4, 16, 16});
  const torch::Tensor timesteps = torch::tensor({999, 759, 999, 759});
  const torch::Tensor uncond = random_context(4), cond = random_context(5);
  // Classifier-free-guidance layout: items 0-1 take the first group (uncond), 2-3 the second.
  const torch::Tensor plain =
      unet->forward(sample, timesteps, torch::cat({uncond, uncond, cond, cond}));
  const torch::Tensor contexts =
      torch::stack({uncond.expand({3, 77, 32}), cond.expand({3, 77, 32})});  // (2, 3, 77, 32)
  // Per-item masks with some layers at zero in places: whatever the weights, equal layers mix to the
  // same attention output.
  const torch::Tensor masks = torch::rand({4, 3, 1, 16, 16}).mul(2).floor_();
  masks.select(1, 0).fill_(0.5);  // every pixel keeps some weight
  const torch::Tensor regional = unet->forward(sample, timesteps, unet->regional_context(contexts, masks));
  EXPECT_TRUE(test::check_parity("regional, identical layers, per-item masks, two groups", regional, plain, 1e-5));
}

// The definition, at one attention layer: each pixel's output is the sum over the prompt layers of its
// normalised mask times that layer's plain cross-attention. Per-item masks, two groups of contexts
// (items 0-1 take the first), three layers of which some are zero at some pixels.
TEST(RegionalAttention, MixesEachLayersAttentionByItsNormalisedMask) {
  AttentionOptions options;
  options.query_dim = 24;
  options.context_dim = 16;
  options.heads = 3;
  torch::manual_seed(11);
  Attention layer(options);
  torch::NoGradGuard no_grad;
  const int64_t h = 5, w = 6, n = h * w, p = 3;
  const torch::Tensor x = torch::randn({4, n, 24});
  const torch::Tensor contexts = torch::randn({2, p, 7, 16});
  torch::Tensor masks = torch::rand({4, p, 1, h, w}).mul(2).floor_();
  masks.select(1, 1).add_(0.25);  // every pixel keeps some weight
  const RegionalContext regional = make_regional_context(contexts, masks, {{h, w}});
  const torch::Tensor mixed = regional_cross_attention_heads(*layer, x, regional);

  const torch::Tensor weights = masks / masks.sum(1, true);  // (4, p, 1, h, w)
  torch::Tensor expected = torch::zeros({4, n, 24});
  for (int64_t i = 0; i < p; ++i) {
    const torch::Tensor tokens = torch::cat({contexts.select(1, i)[0].expand({2, 7, 16}),
                                             contexts.select(1, i)[1].expand({2, 7, 16})});
    expected += weights.select(1, i).reshape({4, n, 1}) * layer->heads_output(x, tokens);
  }
  EXPECT_TRUE(test::check_parity("regional mix at one layer", mixed, expected, 1e-6));
  EXPECT_TRUE(test::check_parity("regional mix through the output projection",
                                 regional_cross_attention(*layer, x, regional),
                                 layer->output_projection()(expected), 1e-6));
}

// ⟨x − a, b − a⟩ / ‖b − a‖² over the columns [c0, c1): 0 where x follows a, 1 where it follows b.
double fraction_towards(const torch::Tensor& x, const torch::Tensor& a, const torch::Tensor& b, int64_t c0,
                        int64_t c1) {
  const torch::Tensor xs = x.slice(3, c0, c1).to(torch::kFloat64), as = a.slice(3, c0, c1).to(torch::kFloat64),
                      bs = b.slice(3, c0, c1).to(torch::kFloat64);
  const torch::Tensor d = bs - as;
  return ((xs - as) * d).sum().item<double>() / (d * d).sum().item<double>();
}

double cosine(const torch::Tensor& a, const torch::Tensor& b, int64_t c0, int64_t c1) {
  const torch::Tensor as = a.slice(3, c0, c1).flatten().to(torch::kFloat64),
                      bs = b.slice(3, c0, c1).flatten().to(torch::kFloat64);
  return (as.dot(bs) / (as.norm() * bs.norm())).item<double>();
}

// Prompt A on the left half, prompt B on the right. Convolutions and self-attention carry information
// across the boundary, so the regional output is only approximately eps_A on the left and eps_B on
// the right; the measure is where it lies on the line from eps_A to eps_B in each half, away from the
// boundary (0 = eps_A, 1 = eps_B).
TEST(RegionalAttention, EachPromptDominatesItsRegion) {
  UNet2DConditionModel unet = tiny_unet();
  torch::NoGradGuard no_grad;
  torch::manual_seed(6);
  const int64_t side = 32;
  const torch::Tensor sample = torch::randn({1, 4, side, side});
  const torch::Tensor t = torch::tensor({500});
  const torch::Tensor a = random_context(7), b = random_context(8);
  const torch::Tensor eps_a = unet->forward(sample, t, a), eps_b = unet->forward(sample, t, b);
  torch::Tensor masks = torch::zeros({1, 2, 1, side, side});
  masks.select(1, 0).slice(3, 0, side / 2).fill_(1);
  masks.select(1, 1).slice(3, side / 2, side).fill_(1);
  const torch::Tensor regional =
      unet->forward(sample, t, unet->regional_context(torch::stack({a, b}, 1), masks));

  const int64_t margin = 6;  // columns left out on each side of the boundary
  const double left = fraction_towards(regional, eps_a, eps_b, 0, side / 2 - margin);
  const double right = fraction_towards(regional, eps_a, eps_b, side / 2 + margin, side);
  const double cos_left_a = cosine(regional, eps_a, 0, side / 2 - margin);
  const double cos_left_b = cosine(regional, eps_b, 0, side / 2 - margin);
  const double cos_right_a = cosine(regional, eps_a, side / 2 + margin, side);
  const double cos_right_b = cosine(regional, eps_b, side / 2 + margin, side);
  std::printf("  left half: %.3f of the way from eps_A to eps_B (cosine to A %.4f, to B %.4f)\n", left, cos_left_a,
              cos_left_b);
  std::printf("  right half: %.3f of the way from eps_A to eps_B (cosine to A %.4f, to B %.4f)\n", right,
              cos_right_a, cos_right_b);
  EXPECT_LT(std::abs(left), 0.25);
  EXPECT_GT(right, 0.75);
  EXPECT_LT(right, 1.25);
  EXPECT_GT(cos_left_a, cos_left_b);
  EXPECT_GT(cos_right_b, cos_right_a);
}

TEST(RegionalAttention, WrongShapesAreNamed) {
  UNet2DConditionModel unet = tiny_unet();
  torch::NoGradGuard no_grad;
  const torch::Tensor contexts = torch::randn({1, 2, 77, 32});
  const torch::Tensor masks = torch::ones({1, 2, 1, 8, 8});
  std::string e = test::error_of([&] { unet->regional_context(contexts, torch::ones({1, 3, 1, 8, 8})); });
  EXPECT_NE(e.find("masks must be (batch, 2 layers"), std::string::npos) << e;
  e = test::error_of([&] { unet->regional_context(contexts, torch::ones({2, 1, 8, 8})); });
  EXPECT_NE(e.find("masks must be"), std::string::npos) << e;
  e = test::error_of([&] { unet->regional_context(torch::randn({2, 77, 32}), masks); });
  EXPECT_NE(e.find("contexts must be (groups, layers, tokens, channels)"), std::string::npos) << e;
  e = test::error_of([&] { unet->regional_context(contexts, masks.to(torch::kInt64)); });
  EXPECT_NE(e.find("masks must be floating point"), std::string::npos) << e;

  const RegionalContext r = unet->regional_context(contexts, masks);
  const torch::Tensor t = torch::tensor({500});
  e = test::error_of([&] { unet->forward(torch::randn({1, 4, 16, 16}), t, r); });
  EXPECT_NE(e.find("regional masks were made for a 8x8 latent, not 16x16"), std::string::npos) << e;
  e = test::error_of([&] { unet->forward(torch::randn({3, 4, 8, 8}), t, unet->regional_context(
                                                                         contexts.expand({2, 2, 77, 32}), masks)); });
  EXPECT_NE(e.find("does not split into the regional contexts' 2 groups"), std::string::npos) << e;
  e = test::error_of([&] { unet->forward(torch::randn({3, 4, 8, 8}), t, unet->regional_context(
                                                                         contexts, masks.expand({2, 2, 1, 8, 8}))); });
  EXPECT_NE(e.find("regional masks are for a batch of 2, not 1 or 3"), std::string::npos) << e;
  e = test::error_of([&] {
    unet->forward(torch::randn({1, 4, 8, 8}), t, unet->regional_context(torch::randn({1, 2, 77, 16}), masks));
  });
  EXPECT_NE(e.find("regional contexts must have 32 channels"), std::string::npos) << e;
}

}  // namespace
}  // namespace palette
