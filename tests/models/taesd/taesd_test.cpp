// TAESD: its config validation and shapes. Against diffusers' AutoencoderTiny: taesd_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/taesd/taesd.h"
#include "palette/error.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

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
