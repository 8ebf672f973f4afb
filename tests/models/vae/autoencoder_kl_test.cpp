// AutoencoderKL against diffusers' outputs on the tiny SD 1.x and SD 2.x fixtures, and the config
// checks that must fail with a message naming the key.
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

AutoencoderKL load_vae(const std::string& model) {
  const auto dir = vae_dir(model);
  AutoencoderKL vae(AutoencoderKLConfig::from_json(JsonConfig::load(dir / "config.json")));
  const auto file = SafetensorsFile::open(dir / "diffusion_pytorch_model.safetensors");
  load_weights(*vae, file.load_all(), file.path().string());
  return vae;
}

void expect_parity(const std::string& model, const std::string& name) {
  auto vae = load_vae(model);
  const auto fixture = test::open_case(name);
  EXPECT_NEAR(vae->scaling_factor(), std::stod(fixture.metadata().at("scaling_factor")), 1e-12);
  torch::NoGradGuard no_grad;
  const auto decoded = vae->decode(fixture.load("latent"));
  EXPECT_TRUE(test::check_parity(name + " decoded", decoded, fixture.load("decoded"), 1e-4));
  const auto posterior = vae->encode(fixture.load("image"));
  EXPECT_TRUE(
      test::check_parity(name + " posterior_mean", posterior.mean, fixture.load("posterior_mean"), 1e-4));
  EXPECT_TRUE(test::check_parity(name + " posterior_logvar", posterior.logvar,
                                 fixture.load("posterior_logvar"), 1e-4));
}

TEST(Parity, sd15_vae) {
  expect_parity("tiny-sd15", "sd15_vae");
}
TEST(Parity, sd21_vae) {
  expect_parity("tiny-sd21", "sd21_vae");
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

// Reduced precision on CUDA, against the float32 CPU reference.
// Loose bounds: they catch dtype or kernel mistakes (errors of order 1), not rounding (float16 measured
// about 2e-3 to 5e-3, bfloat16 about 2e-2 to 4e-2 on an H200).
TEST(AutoencoderKLGpu, ReducedPrecisionOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  at::globalContext().setAllowTF32CuDNN(false);  // float32 parity needs full-precision convolutions
  at::globalContext().setAllowTF32CuBLAS(false);
  auto vae = load_vae("tiny-sd21");
  const auto fixture = test::open_case("sd21_vae");
  torch::NoGradGuard no_grad;
  const std::tuple<torch::Dtype, const char*, double> runs[] = {{torch::kFloat, "float32", 1e-4},
                                                                {torch::kHalf, "float16", 2e-2},
                                                                {torch::kBFloat16, "bfloat16", 1e-1}};
  for (const auto& [dtype, dtype_name, tolerance] : runs) {
    vae->to(torch::kCUDA, dtype);
    const auto on_gpu = torch::TensorOptions().device(torch::kCUDA).dtype(dtype);
    const std::string label = std::string("sd21_vae cuda ") + dtype_name;
    const auto decoded = vae->decode(fixture.load("latent", on_gpu));
    EXPECT_EQ(decoded.scalar_type(), dtype);
    EXPECT_TRUE(test::check_parity(label + " decoded", decoded, fixture.load("decoded"), tolerance));
    const auto posterior = vae->encode(fixture.load("image", on_gpu));
    EXPECT_TRUE(test::check_parity(label + " posterior_mean", posterior.mean, fixture.load("posterior_mean"),
                                   tolerance));
  }
}

}  // namespace
}  // namespace palette
