// Painting over a picture with the one-shot region pipeline (RegionBackground::image), checked from what
// the reference's inpainting mode promises (docs/algorithms.md §4, the reference's do_blend): beyond the
// layers' blurred masks the output is the picture itself, inside them it is generated, the seam lies
// between the two, and the unpainted latents are the picture's posterior sample. Also the picture's
// conversions (gray, alpha, another size), the request checks and reading picture files.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "models/model_parts.h"
#include "palette/background_image.h"
#include "palette/model.h"
#include "palette/regions.h"
#include "pipelines/background_photos.h"
#include "pipelines/image_tensor.h"
#include "pipelines/photo_tensor.h"
#include "pipelines/region_render.h"
#include "sampling/noise_source.h"
#include "support/fixtures.h"
#include "support/error_of.h"
#include "support/parity.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

const Model& tiny_sd15() {
  return test::fixture_model("tiny-sd15");
}

constexpr int kSide = 64;                // canvas (8 × 8 latents with the tiny model)
constexpr int kRect0 = 16, kRect1 = 40;  // the painted square [16, 40)²
constexpr double kBlur = 2.0;

// Pixels from (x, y) to the painted square along the farther axis (0 inside it).
int distance_to_square(int x, int y) {
  const int dx = std::max({kRect0 - x, 0, x - (kRect1 - 1)});
  const int dy = std::max({kRect0 - y, 0, y - (kRect1 - 1)});
  return std::max(dx, dy);
}

bool deep_inside(int x, int y) {  // at least 4σ inside the square: the blurred mask is 1 there
  return x >= kRect0 + 8 && x < kRect1 - 8 && y >= kRect0 + 8 && y < kRect1 - 8;
}

RegionRequest photo_request(std::shared_ptr<const Image> picture) {
  RegionRequest r;
  r.width = kSide;
  r.height = kSide;
  r.seed = 3;
  r.background.prompt = "";  // no prompt for the picture: allowed
  r.background.image = std::move(picture);
  RegionLayer layer;
  layer.prompt = "a red house";
  layer.mask = torch::zeros({kSide, kSide});
  layer.mask.slice(0, kRect0, kRect1).slice(1, kRect0, kRect1).fill_(1);
  layer.mask_blur_std = kBlur;
  r.layers.push_back(layer);
  return r;
}

void expect_painted_over_the_picture(const Model& model) {
  const Image picture = test::photo(kSide, kSide);
  const RegionResult r = render_regions(model, photo_request(std::make_shared<const Image>(picture)));
  ASSERT_EQ(r.image.width, kSide);
  int outside_worst = 0, outside = 0, inside = 0, inside_changed = 0;
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      const int d = test::pixel_difference(r.image, picture, x, y);
      if (distance_to_square(x, y) > 4 * kBlur) {  // the Gaussian's weight there is below 4e-5
        outside_worst = std::max(outside_worst, d);
        ++outside;
      } else if (deep_inside(x, y)) {
        ++inside;
        inside_changed += d > 1;
      }
    }
  std::printf(
      "beyond 4σ: %d pixels, largest difference from the picture %d/255; deep inside: %d of %d differ\n",
      outside, outside_worst, inside_changed, inside);
  EXPECT_LE(outside_worst, 1);
  EXPECT_GE(inside_changed, inside * 3 / 4) << "the layer paints over the picture";
}

TEST(RegionBackground, KeepsThePictureBeyondTheBlurredMasksAndPaintsInside) { expect_painted_over_the_picture(tiny_sd15()); }

// Painting over a picture with an SDXL model (its Euler stepping, the picture's latent noised to each σ).
TEST(RegionBackground, SdxlPaintsOverAPictureToo) { expect_painted_over_the_picture(test::fixture_model("tiny-sdxl")); }

TEST(RegionBackground, BlendsInPixelSpaceAndKeepsThePictureLatentWhereNothingIsPainted) {
  const Image picture = test::photo(kSide, kSide);
  const RegionRequest request = photo_request(std::make_shared<const Image>(picture));
  const ModelParts& parts = model_parts(tiny_sd15());
  SeededNoise seeded(*request.seed);
  RecordingNoise noise(seeded);
  const RegionLatents run = region_latents(parts, request, noise);
  const Image generated = to_image(decode_latents(parts, run.latents));
  const Image blended = render_regions(tiny_sd15(), request).image;

  int worst_inside = 0, worst_seam = 0;
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      if (deep_inside(x, y))
        worst_inside = std::max(worst_inside, test::pixel_difference(blended, generated, x, y));
      for (int c = 0; c < 3; ++c) {  // everywhere, seam included: between the picture and the generated one
        const size_t i = (size_t(y) * kSide + x) * 3;
        const int lo = std::min(generated.pixels[i + c], picture.pixels[i + c]);
        const int hi = std::max(generated.pixels[i + c], picture.pixels[i + c]);
        worst_seam = std::max({worst_seam, lo - int(blended.pixels[i + c]), int(blended.pixels[i + c]) - hi});
      }
    }
  std::printf("deep inside vs the generated picture: %d/255; outside [picture, generated]: %d/255\n",
              worst_inside, worst_seam);
  EXPECT_LE(worst_inside, 1);
  EXPECT_LE(worst_seam, 1);

  // The first draw is the picture's posterior sample (region_render.h); latent cells 0, 6 and 7 are more
  // than the blur's reach from the square, so nothing ever covers them.
  torch::NoGradGuard no_grad;
  AutoencoderKL vae = parts.vae;
  const GaussianPosterior posterior = vae->encode(test::photo_tensor(picture) * 2 - 1);
  const torch::Tensor expected = vae->config().scaling_factor *
                                 (posterior.mean + torch::exp(0.5 * posterior.logvar) * noise.draws().at(0));
  torch::Tensor far = torch::zeros({8}, torch::kBool);
  for (int i : {0, 6, 7}) far[i] = true;
  const torch::Tensor unpainted = far.view({1, 1, 8, 1}) | far.view({1, 1, 1, 8});
  EXPECT_TRUE(test::check_parity("unpainted latents vs the picture's posterior sample",
                                 torch::masked_select(run.latents, unpainted),
                                 torch::masked_select(expected, unpainted), 1e-5));
}

TEST(RegionBackground, GrayAlphaOtherSizesAndNoLayers) {
  const Image rgb = test::photo(kSide, kSide);
  const Image rgba = test::photo(kSide, kSide, 4);
  Image transparent = rgba;
  for (size_t i = 3; i < transparent.pixels.size(); i += 4) transparent.pixels[i] = 0;  // alpha is dropped
  const RegionResult from_rgb =
      render_regions(tiny_sd15(), photo_request(std::make_shared<const Image>(rgb)));
  const RegionResult from_rgba =
      render_regions(tiny_sd15(), photo_request(std::make_shared<const Image>(transparent)));
  EXPECT_EQ(from_rgba.image.pixels, from_rgb.image.pixels);

  Image gray{kSide, kSide, 1, std::vector<uint8_t>(kSide * kSide)};
  Image gray_rgb{kSide, kSide, 3, std::vector<uint8_t>(kSide * kSide * 3)};
  for (size_t i = 0; i < gray.pixels.size(); ++i)
    gray.pixels[i] = gray_rgb.pixels[i * 3] = gray_rgb.pixels[i * 3 + 1] = gray_rgb.pixels[i * 3 + 2] =
        uint8_t(i * 7 % 251);
  EXPECT_EQ(render_regions(tiny_sd15(), photo_request(std::make_shared<const Image>(gray))).image.pixels,
            render_regions(tiny_sd15(), photo_request(std::make_shared<const Image>(gray_rgb))).image.pixels);

  // Another size and proportions: resized to the canvas (a flat colour stays exactly that colour).
  Image flat{32, 16, 3, {}};
  for (int i = 0; i < 32 * 16; ++i) flat.pixels.insert(flat.pixels.end(), {200, 100, 50});
  const Image resized = render_regions(tiny_sd15(), photo_request(std::make_shared<const Image>(flat))).image;
  const Image flat_canvas{kSide, kSide, 3, [] {
                            std::vector<uint8_t> v;
                            for (int i = 0; i < kSide * kSide; ++i) v.insert(v.end(), {200, 100, 50});
                            return v;
                          }()};
  EXPECT_LE(test::pixel_difference(resized, flat_canvas, 60, 2), 1);
  EXPECT_LE(test::pixel_difference(resized, flat_canvas, 1, 60), 1);

  RegionRequest empty = photo_request(std::make_shared<const Image>(rgb));
  empty.layers.clear();  // nothing painted: the picture itself, as the reference returns it
  EXPECT_EQ(render_regions(tiny_sd15(), empty).image.pixels, rgb.pixels);
}

TEST(RegionBackground, BadPicturesAreNamed) {
  RegionRequest r = photo_request(nullptr);
  auto image = std::make_shared<Image>();
  r.background.image = image;
  *image = Image{9000, 9000, 3, {}};  // never allocated: the size alone is refused
  const std::string enormous = test::error_of([&] { validate_region_request(r); });
  EXPECT_NE(enormous.find("background.image: is too large"), std::string::npos) << enormous;
  *image = Image{8, 8, 2, std::vector<uint8_t>(128)};
  EXPECT_NE(test::error_of([&] { validate_region_request(r); }).find("channels"), std::string::npos);
  *image = Image{8, 8, 3, std::vector<uint8_t>(10)};
  EXPECT_NE(test::error_of([&] { validate_region_request(r); }).find("pixel buffer"), std::string::npos);
  *image = Image{0, 8, 3, {}};
  EXPECT_NE(test::error_of([&] { render_regions(tiny_sd15(), r); }).find("background.image"),
            std::string::npos);
}

TEST(RegionBackground, PictureFilesAreReadAsRgb) {
  test::TempDir dir;
  write_png(dir / "gray.png", Image{4, 2, 1, {0, 10, 20, 30, 40, 50, 60, 70}});
  const Image gray = read_background_image(dir / "gray.png");
  EXPECT_EQ(gray.channels, 3);
  EXPECT_EQ(gray.pixels[3 * 5 + 0], 50);
  EXPECT_EQ(gray.pixels[3 * 5 + 2], 50);
  write_png(dir / "alpha.png", test::photo(5, 3, 4));
  const Image alpha = read_background_image(dir / "alpha.png");
  EXPECT_EQ(alpha.channels, 3);
  EXPECT_EQ(alpha.pixels, test::photo(5, 3, 3).pixels);
  test::write_raw(dir / "notes.txt", "not a picture");
  EXPECT_NE(test::error_of([&] { read_background_image(dir / "notes.txt"); }).find("notes.txt"),
            std::string::npos);
  const std::string large = test::error_of([&] { read_image(dir / "alpha.png", 3, 10); });
  EXPECT_NE(large.find("5×3 is too large (at most 10 pixels)"), std::string::npos) << large;

  EXPECT_EQ(background_size_note(gray, 4, 2), "");
  const std::string stretched = background_size_note(gray, 512, 512);
  EXPECT_NE(stretched.find("4×2 is resized to the canvas 512×512"), std::string::npos) << stretched;
  EXPECT_NE(stretched.find("stretched"), std::string::npos);
  EXPECT_EQ(background_size_note(gray, 512, 256).find("stretched"), std::string::npos);
}

}  // namespace
}  // namespace palette
