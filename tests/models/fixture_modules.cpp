#include "models/fixture_modules.h"

#include "io/json_config.h"
#include "models/module_weights.h"
#include "palette/safetensors.h"
#include "support/fixtures.h"

namespace palette::test {

UNet2DConditionModel fixture_unet(const std::string& model) {
  const auto dir = fixtures_dir() / model / "unet";
  UNet2DConditionModel unet(UNetConfig::from_json(JsonConfig::load(dir / "config.json")));
  const auto file = SafetensorsFile::open(dir / "diffusion_pytorch_model.safetensors");
  load_weights(*unet, file.load_all(), file.path().string());
  return unet;
}

AutoencoderKL fixture_vae(const std::string& model) {
  const auto dir = fixtures_dir() / model / "vae";
  AutoencoderKL vae(AutoencoderKLConfig::from_json(JsonConfig::load(dir / "config.json")));
  const auto file = SafetensorsFile::open(dir / "diffusion_pytorch_model.safetensors");
  load_weights(*vae, file.load_all(), file.path().string());
  return vae;
}

}  // namespace palette::test
