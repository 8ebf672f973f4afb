// LPIPS v0.1: its metric properties, and the loader's errors on files that do not fit. Against the LPIPS
// package: lpips_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/lpips/lpips.h"
#include "models/module_weights.h"
#include "palette/error.h"
#include "palette/safetensors.h"
#include "support/fixtures.h"
#include "support/error_of.h"
#include "support/parity.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

std::filesystem::path alex_weights() {
  return test::fixtures_dir() / "lpips_alex_weights.safetensors";
}

torch::Tensor random_images(int64_t batch, int64_t seed) {
  torch::manual_seed(seed);
  return torch::rand({batch, 3, 48, 64}) * 2 - 1;
}

TEST(Lpips, IdenticalImagesGiveZero) {
  auto lpips = load_lpips(alex_weights());
  torch::NoGradGuard no_grad;
  const auto x = random_images(2, 1);
  const auto d = lpips->distance(x, x.clone());
  ASSERT_EQ(d.sizes(), torch::IntArrayRef({2}));
  EXPECT_EQ(d.abs().max().item<float>(), 0.0f);
}

TEST(Lpips, SymmetricAndPositive) {
  auto lpips = load_lpips(alex_weights());
  torch::NoGradGuard no_grad;
  const auto x = random_images(2, 2), y = random_images(2, 3);
  const auto xy = lpips->distance(x, y), yx = lpips->distance(y, x);
  EXPECT_TRUE(torch::allclose(xy, yx, 1e-5, 1e-7)) << xy << yx;
  EXPECT_GT(xy.min().item<float>(), 0.0f);
}

TEST(Lpips, AnchorFeaturesBroadcastOverTheBatch) {
  auto lpips = load_lpips(alex_weights());
  torch::NoGradGuard no_grad;
  const auto views = random_images(3, 4), anchor = random_images(1, 5);
  const auto d = lpips->distance(lpips->features(views), lpips->features(anchor));
  ASSERT_EQ(d.sizes(), torch::IntArrayRef({3}));
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_NEAR(d[i].item<float>(), lpips->distance(views.slice(0, i, i + 1), anchor).item<float>(), 1e-6);
}

TEST(Lpips, RejectsImagesThatDoNotFit) {
  auto lpips = load_lpips(alex_weights());
  EXPECT_THROW(lpips->distance(torch::zeros({1, 4, 64, 64}), torch::zeros({1, 4, 64, 64})), Error);
  EXPECT_THROW(lpips->distance(torch::zeros({1, 3, 16, 64}), torch::zeros({1, 3, 16, 64})), Error);
  EXPECT_THROW(lpips->distance(torch::zeros({3, 64, 64}), torch::zeros({3, 64, 64})), Error);
}

// The fixture's tensors with `edit` applied, written to a temporary file.
std::string load_error_with(const test::TempDir& dir, const std::function<void(TensorMap&)>& edit) {
  auto tensors = SafetensorsFile::open(alex_weights()).load_all();
  edit(tensors);
  const auto path = dir / "edited.safetensors";
  save_safetensors(path, NamedTensors(tensors.begin(), tensors.end()));
  return test::error_of([&] { load_lpips(path); });
}

TEST(Lpips, BadWeightsFileNamesTheTensor) {
  test::TempDir dir;
  EXPECT_NE(load_error_with(dir, [](TensorMap& t) { t.erase("lin3.model.1.weight"); })
                .find("'lin3.model.1.weight'"),
            std::string::npos);
  EXPECT_NE(
      load_error_with(dir, [](TensorMap& t) { t.erase("net.slice4.8.bias"); }).find("'net.slice4.8.bias'"),
      std::string::npos);
  EXPECT_NE(load_error_with(dir, [](TensorMap& t) { t.erase("net.slice1.0.weight"); })
                .find("'net.slice1.0.weight'"),
            std::string::npos);
  const auto shape_error = load_error_with(dir, [](TensorMap& t) {
    t["net.slice3.6.weight"] = torch::zeros({384, 192, 5, 5});
  });
  EXPECT_NE(shape_error.find("'net.slice3.6.weight'"), std::string::npos);
  EXPECT_NE(shape_error.find("shape"), std::string::npos);
  EXPECT_NE(load_error_with(dir,
                            [](TensorMap& t) {
                              t["lin5.model.1.weight"] = torch::zeros({1, 8, 1, 1});
                            })
                .find("'lin5.model.1.weight'"),
            std::string::npos);
  // The package's aliases and constants are tolerated.
  EXPECT_EQ(load_error_with(dir,
                            [](TensorMap& t) {
                              t["scaling_layer.shift"] = torch::zeros({1, 3, 1, 1});
                            }),
            "(no error)");
}

// VGG16 has no shipped fixture (too large); check that its module tree round-trips through a file
// and that the loader tells it from AlexNet.
TEST(Lpips, Vgg16RoundTripsThroughAFile) {
  torch::manual_seed(6);
  Lpips original(LpipsNet::Vgg16);
  test::TempDir dir;
  const auto state = module_state(*original);
  save_safetensors(dir / "vgg.safetensors", NamedTensors(state.begin(), state.end()));
  auto loaded = load_lpips(dir / "vgg.safetensors");
  EXPECT_EQ(loaded->net_kind(), LpipsNet::Vgg16);
  torch::NoGradGuard no_grad;
  const auto x = random_images(1, 7), y = random_images(1, 8);
  EXPECT_TRUE(torch::allclose(loaded->distance(x, y), original->distance(x, y)));
  EXPECT_EQ(loaded->distance(x, x).item<float>(), 0.0f);
}

}  // namespace
}  // namespace palette
