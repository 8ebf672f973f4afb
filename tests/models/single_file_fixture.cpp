#include "models/single_file_fixture.h"

#include "support/fixtures.h"

namespace palette::test {
namespace {

TensorMap load_file(const std::filesystem::path& p) { return SafetensorsFile::open(p).load_all(); }

}  // namespace

checkpoint::Components components_of(const std::filesystem::path& dir) {
  checkpoint::Components c;
  c.unet = load_file(dir / "unet" / "diffusion_pytorch_model.safetensors");
  c.vae = load_file(dir / "vae" / "diffusion_pytorch_model.safetensors");
  for (const auto& [n, t] : load_file(dir / "text_encoder" / "model.safetensors"))
    c.text_encoder[n.rfind("text_model.", 0) == 0 ? n : "text_model." + n] = t;
  if (std::filesystem::exists(dir / "text_encoder_2"))  // SDXL: already under transformers' names
    c.text_encoder_2 = load_file(dir / "text_encoder_2" / "model.safetensors");
  return c;
}

std::filesystem::path write_single_file(const TempDir& tmp, const std::string& name,
                                        checkpoint::TextEncoderLayout layout,
                                        const std::function<void(TensorMap&)>& edit) {
  auto original = checkpoint::to_original(components_of(fixtures_dir() / name), layout);
  if (edit) edit(original);
  const auto path = tmp / (name + ".safetensors");
  NamedTensors tensors(original.begin(), original.end());
  save_safetensors(path, tensors);
  return path;
}

}  // namespace palette::test
