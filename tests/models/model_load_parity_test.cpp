// Model::load end to end: diffusers folders and single files give the reference outputs. The SD 1.5 and SDXL
// single files are laid out as diffusers' own conversion scripts write them (tests/data); SD 2.1's by to_original.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/model_parts.h"
#include "models/single_file_fixture.h"
#include "palette/model.h"
#include "support/fixtures.h"
#include "support/parity.h"
#include "support/temp_dir.h"

namespace palette {
namespace {

using checkpoint::TextEncoderLayout;
using test::write_single_file;

// Runs the UNet, the text encoder and the VAE decoder of `model` on the `prefix` fixture cases.
void expect_reference_outputs(const Model& model, const std::string& prefix, const std::string& label) {
  torch::NoGradGuard no_grad;
  // Module holders share their module: copies give the non-const handle LibTorch's forward needs.
  auto net = model_parts(model).unet;
  auto text_encoder = model_parts(model).text_encoder;
  auto vae_model = model_parts(model).vae;
  const auto unet = test::open_case(prefix + "_unet_square");
  const auto out = net->forward(unet.load("sample"), unet.load("timestep"), unet.load("encoder_hidden_states"));
  EXPECT_TRUE(test::check_parity(label + " unet", out, unet.load("out"), 1e-4));
  const auto text = test::open_case(prefix + "_text_encoder");
  const auto hidden = text_encoder->forward(text.load("input_ids"));
  EXPECT_TRUE(test::check_parity(label + " text encoder", hidden.last_hidden_state, text.load("last_hidden_state"), 1e-4));
  const auto vae = test::open_case(prefix + "_vae");
  EXPECT_TRUE(test::check_parity(label + " vae decoder", vae_model->decode(vae.load("latent")), vae.load("decoded"), 1e-4));
}

TEST(Parity, sd15_components_from_diffusers_folder) {
  const Model model = Model::load(test::fixtures_dir() / "tiny-sd15");
  EXPECT_EQ(model.info().family, "SD 1.x");
  EXPECT_EQ(model.info().format, "diffusers folder");
  ASSERT_EQ(model.info().components.size(), 3u);
  int64_t stored = 0;  // parameters counted from the file, independently of the modules
  for (const auto& [n, t] : SafetensorsFile::open(test::fixtures_dir() / "tiny-sd15" / "unet" / "diffusion_pytorch_model.safetensors").load_all())
    stored += t.numel();
  EXPECT_EQ(model.info().components[1].parameters, stored);
  EXPECT_EQ(model.info().components[1].stored_dtype, "F16");
  expect_reference_outputs(model, "sd15", "sd15 folder");
}

TEST(Parity, sd15_components_from_single_file) {
  test::TempDir tmp;
  ModelOptions options;
  options.config_dir = test::fixtures_dir() / "tiny-sd15";
  const Model model = Model::load(write_single_file(tmp, "tiny-sd15", TextEncoderLayout::ClipSd1), options);
  EXPECT_EQ(model.info().family, "SD 1.x");
  EXPECT_EQ(model.info().format, "single file (original layout)");
  expect_reference_outputs(model, "sd15", "sd15 single file");
}

// The released checkpoints' spelling (`cond_stage_model.transformer.text_model.…`) loads to the same outputs.
TEST(Parity, sd15_components_from_single_file_with_text_model_names) {
  test::TempDir tmp;
  ModelOptions options;
  options.config_dir = test::fixtures_dir() / "tiny-sd15";
  const Model model =
      Model::load(test::write_released_single_file(tmp, "tiny-sd15", TextEncoderLayout::ClipSd1), options);
  EXPECT_EQ(model.info().family, "SD 1.x");
  expect_reference_outputs(model, "sd15", "sd15 single file, text_model names");
}

TEST(Parity, sd21_components_from_single_file) {
  test::TempDir tmp;
  ModelOptions options;
  options.config_dir = test::fixtures_dir() / "tiny-sd21";
  const Model model = Model::load(write_single_file(tmp, "tiny-sd21", TextEncoderLayout::OpenClipSd2), options);
  EXPECT_EQ(model.info().family, "SD 2.x");
  expect_reference_outputs(model, "sd21", "sd21 single file (OpenCLIP)");
}

}  // namespace
}  // namespace palette
