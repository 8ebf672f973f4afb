// TAESD against diffusers' AutoencoderTiny (decode and encode), its image-range variants and its
// config validation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/taesd/taesd.h"
#include "palette/error.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

constexpr double kTolerance = 1e-4;

TEST(Parity, taesd) {
  auto model = load_taesd(test::fixtures_dir() / "tiny-taesd");
  const auto file = test::open_case("taesd");
  const auto latent = file.load("latent", torch::kFloat);
  const auto image = file.load("image", torch::kFloat);  // [-1,1], diffusers' convention
  const auto decoded = file.load("decoded", torch::kFloat);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(test::check_parity("taesd decode", model->decode(latent), decoded, kTolerance));
  EXPECT_TRUE(test::check_parity("taesd encode", model->encode(image), file.load("encoded", torch::kFloat),
                                 kTolerance));
  // The [0,1] variants are the same maps with the range conversion moved to the caller's side.
  EXPECT_TRUE(test::check_parity("taesd decode_to_unit", model->decode_to_unit(latent),
                                 (decoded / 2 + 0.5).clamp(0, 1), kTolerance));
  EXPECT_TRUE(test::check_parity("taesd encode_from_unit", model->encode_from_unit(image / 2 + 0.5),
                                 file.load("encoded", torch::kFloat), kTolerance));
}

// Half precision on CUDA against the float32 reference (float32 on CUDA is left out: cuDNN's
// convolutions may use TF32 there).
TEST(TaesdGpu, ReducedPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto file = test::open_case("taesd");
  const auto cuda = torch::device(torch::kCUDA);
  for (const auto& [dtype, tolerance] :
       std::vector<std::pair<torch::Dtype, double>>{{torch::kHalf, 5e-3}, {torch::kBFloat16, 3e-2}}) {
    auto model = load_taesd(test::fixtures_dir() / "tiny-taesd", torch::dtype(dtype).device(torch::kCUDA));
    torch::NoGradGuard no_grad;
    const auto decoded = model->decode(file.load("latent", cuda.dtype(dtype)));
    EXPECT_EQ(decoded.scalar_type(), dtype);
    EXPECT_TRUE(test::check_parity(std::string("cuda decode ") + c10::toString(dtype), decoded,
                                   file.load("decoded", torch::kFloat), tolerance));
    const auto encoded = model->encode(file.load("image", cuda.dtype(dtype)));
    EXPECT_TRUE(test::check_parity(std::string("cuda encode ") + c10::toString(dtype), encoded,
                                   file.load("encoded", torch::kFloat), tolerance));
  }
}

nlohmann::json tiny_json() {
  return {{"_class_name", "AutoencoderTiny"},     {"latent_channels", 4},
          {"encoder_block_out_channels", {8, 8}}, {"decoder_block_out_channels", {8, 8}},
          {"num_encoder_blocks", {1, 1}},         {"num_decoder_blocks", {1, 1}}};
}

std::string config_error(nlohmann::json json) {
  try {
    TaesdConfig::from_json(JsonConfig(std::move(json), "taesd/config.json"));
  } catch (const Error& e) {
    std::cout << "  error: " << e.what() << "\n";
    return e.what();
  }
  return "";
}

TEST(TaesdConfig, BadKeysAreNamed) {
  auto json = tiny_json();
  json.erase("latent_channels");
  auto message = config_error(json);
  EXPECT_NE(message.find("\"latent_channels\" is missing"), std::string::npos) << message;
  EXPECT_NE(message.find("taesd/config.json"), std::string::npos) << message;

  json = tiny_json();
  json["num_decoder_blocks"] = "three";
  message = config_error(json);
  EXPECT_NE(message.find("\"num_decoder_blocks\" must be a list of integers"), std::string::npos) << message;

  json = tiny_json();
  json["decoder_block_out_channels"] = {8, 8, 8};
  message = config_error(json);
  EXPECT_NE(message.find("\"decoder_block_out_channels\" must have 2 entries"), std::string::npos) << message;

  json = tiny_json();
  json["_class_name"] = "AutoencoderKL";
  message = config_error(json);
  EXPECT_NE(message.find("\"_class_name\""), std::string::npos) << message;

  json = tiny_json();
  json["upsample_fn"] = "pixelshuffle";
  message = config_error(json);
  EXPECT_NE(message.find("\"upsample_fn\""), std::string::npos) << message;
}

TEST(Taesd, ShapesAndScalingFactor) {
  auto json = tiny_json();
  json["scaling_factor"] = 2.0;
  json["shift_factor"] = 0.25;
  const auto config = TaesdConfig::from_json(JsonConfig(json, "taesd/config.json"));
  torch::manual_seed(0);
  Taesd model(config);
  torch::NoGradGuard no_grad;
  const auto latents = torch::randn({2, 4, 5, 3});
  const auto image = model->decode(latents);
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{2, 3, 10, 6}));
  // UNet-scale latents go through the config's factors: decode(z) = decoder(z / 2 + 0.25).
  EXPECT_TRUE(torch::allclose(image, model->decoder(latents / 2 + 0.25) * 2 - 1, 1e-5, 1e-6));
  const auto z = model->encode(torch::rand({1, 3, 10, 7}) * 2 - 1);
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{1, 4, 5, 4}));
  EXPECT_THROW(model->decode(torch::zeros({1, 3, 4, 4})), Error);  // wrong channel count
  EXPECT_THROW(model->encode(torch::zeros({3, 8, 8})), Error);     // not batched
}

}  // namespace
}  // namespace palette
