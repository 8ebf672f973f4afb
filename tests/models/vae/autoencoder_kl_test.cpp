// AutoencoderKL: the config checks that must fail with a message naming the key, and the posterior's
// shapes. Against diffusers' outputs: autoencoder_kl_parity_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "models/module_weights.h"
#include "models/vae/autoencoder_kl.h"
#include "palette/error.h"
#include "palette/safetensors.h"
#include "support/fixtures.h"
#include "support/parity.h"

namespace palette {
namespace {

std::filesystem::path vae_dir(const std::string& model) {
  return test::fixtures_dir() / model / "vae";
}

std::string config_error(const nlohmann::json& json) {
  try {
    AutoencoderKLConfig::from_json(JsonConfig(json, "vae/config.json"));
  } catch (const Error& e) {
    std::cout << "  error: " << e.what() << "\n";
    return e.what();
  }
  return "(no error)";
}

nlohmann::json tiny_config() {
  std::ifstream in(vae_dir("tiny-sd15") / "config.json");
  return nlohmann::json::parse(in);
}

TEST(AutoencoderKLConfig, MissingKeyIsNamed) {
  auto json = tiny_config();
  json.erase("latent_channels");
  const auto message = config_error(json);
  EXPECT_NE(message.find("vae/config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("\"latent_channels\" is missing"), std::string::npos) << message;
}

TEST(AutoencoderKLConfig, UnknownBlockTypeIsNamed) {
  auto json = tiny_config();
  json["up_block_types"][2] = "AttnUpDecoderBlock2D";
  const auto message = config_error(json);
  EXPECT_NE(message.find("\"up_block_types\""), std::string::npos) << message;
  EXPECT_NE(message.find("AttnUpDecoderBlock2D"), std::string::npos) << message;
}

TEST(AutoencoderKL, PosteriorSampleAndShapes) {
  const auto config = AutoencoderKLConfig::from_json(JsonConfig(tiny_config(), "vae/config.json"));
  EXPECT_EQ(config.downscale_factor(), 8);
  torch::manual_seed(0);
  AutoencoderKL vae(config);
  torch::NoGradGuard no_grad;
  const auto posterior = vae->encode(torch::rand({2, 3, 32, 48}) * 2 - 1);
  EXPECT_EQ(posterior.mean.sizes(), (std::vector<int64_t>{2, 4, 4, 6}));
  const auto noise = torch::randn_like(posterior.mean);
  EXPECT_TRUE(
      torch::allclose(posterior.sample(noise), posterior.mean + (posterior.logvar / 2).exp() * noise));
  EXPECT_EQ(vae->decode(posterior.mean).sizes(), (std::vector<int64_t>{2, 3, 32, 48}));
  EXPECT_THROW(vae->decode(torch::zeros({1, 3, 4, 4})), Error);
}

}  // namespace
}  // namespace palette
