// The fixture models' UNet and VAE built alone from their folders (config.json and weights), for the
// tests that hold one module against the reference, on the CPU and on the GPU.
#pragma once

#include <string>

#include "models/unet/unet.h"
#include "models/vae/autoencoder_kl.h"

namespace palette::test {

UNet2DConditionModel fixture_unet(const std::string& model);  // model: a fixture folder, e.g. "tiny-sd15"
AutoencoderKL fixture_vae(const std::string& model);

}  // namespace palette::test
