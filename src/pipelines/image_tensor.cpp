#include "pipelines/image_tensor.h"

#include <cstring>
#include <string>

#include "models/model_parts.h"
#include "palette/error.h"

namespace palette {

namespace {

std::string shape_of(const torch::Tensor& t) {
  std::string s = "(";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s + ")";
}

}  // namespace

torch::Tensor decode_latents(const ModelParts& parts, const torch::Tensor& latents) {
  torch::NoGradGuard no_grad;
  return decode_latents_with_grad(parts, latents);
}

torch::Tensor decode_latents_with_grad(const ModelParts& parts, const torch::Tensor& latents) {
  if (latents.dim() != 4 || latents.size(1) != parts.vae->config().latent_channels)
    throw Error("decode_latents: latents must be (B," + std::to_string(parts.vae->config().latent_channels) +
                ",h,w), got " + shape_of(latents));
  AutoencoderKL vae = parts.vae;  // a non-const handle on the shared, unchanged module
  // The VAE may be kept in another dtype than the UNet (float32 for SD's fp16-unsafe VAE), so follow
  // its weights rather than the model's compute dtype.
  const torch::Dtype vae_dtype = vae->parameters().front().scalar_type();
  const auto& config = vae->config();
  torch::Tensor z = latents.to(parts.device, vae_dtype) / config.scaling_factor;
  if (config.shift_factor != 0) z = z + config.shift_factor;
  return vae->decode(z).to(torch::kFloat32);
}

Image to_image(const torch::Tensor& decoded, int64_t index) {
  if (decoded.dim() != 4 || decoded.size(1) != 3)
    throw Error("to_image: a decoded image must be (B,3,H,W), got " + shape_of(decoded));
  if (index < 0 || index >= decoded.size(0))
    throw Error("to_image: item " + std::to_string(index) + " of a batch of " +
                std::to_string(decoded.size(0)));
  const torch::Tensor x = decoded[index].to(torch::kCPU, torch::kFloat32);
  const torch::Tensor bytes =
      ((x / 2 + 0.5).clamp(0, 1) * 255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  Image image;
  image.height = static_cast<int>(bytes.size(0));
  image.width = static_cast<int>(bytes.size(1));
  image.channels = 3;
  image.pixels.resize(static_cast<size_t>(bytes.numel()));
  std::memcpy(image.pixels.data(), bytes.data_ptr<uint8_t>(), image.pixels.size());
  return image;
}

}  // namespace palette
