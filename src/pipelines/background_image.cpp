#include "pipelines/background_image.h"

#include <torch/torch.h>

#include <vector>

#include "models/model_parts.h"

namespace palette {

torch::Tensor background_pixels(const Image& image, int64_t height, int64_t width,
                                const torch::Device& device) {
  const torch::Tensor bytes = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                                               {image.height, image.width, image.channels}, torch::kUInt8);
  // Uploaded as bytes: a quarter of the floats' traffic.
  torch::Tensor x = bytes.to(device).permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32).div_(255.0);
  if (image.channels == 1) x = x.expand({1, 3, image.height, image.width});
  if (image.channels == 4) x = x.slice(1, 0, 3);
  if (image.height == height && image.width == width) return x.contiguous();
  namespace F = torch::nn::functional;
  // As the reference (bicubic, align_corners false); a shrinking picture is antialiased, which the
  // reference's one-shot pipeline skips and its stream (PIL's resize) does.
  const bool shrinks = height < image.height || width < image.width;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{height, width})
                               .mode(torch::kBicubic)
                               .align_corners(false)
                               .antialias(shrinks))
      .clamp_(0, 1);
}

GaussianPosterior image_posterior(const ModelParts& parts, const torch::Tensor& pixels) {
  AutoencoderKL vae = parts.vae;  // a non-const handle on the shared, unchanged module
  torch::NoGradGuard no_grad;
  // The VAE may be kept in another dtype than the UNet; its posterior comes back in the model's.
  const torch::Dtype vae_dtype = vae->parameters().front().scalar_type();
  const GaussianPosterior p = vae->encode((pixels * 2 - 1).to(parts.device, vae_dtype));
  return {p.mean.to(parts.dtype), p.logvar.to(parts.dtype)};
}

torch::Tensor taesd_latent(const ModelParts& parts, const torch::Tensor& pixels) {
  Taesd taesd = parts.taesd;  // a non-const handle on the shared, unchanged module
  torch::NoGradGuard no_grad;
  const torch::Dtype dtype = taesd->parameters().front().scalar_type();
  return taesd->encode((pixels * 2 - 1).to(parts.device, dtype)).to(parts.dtype);
}

torch::Tensor blend_over_background(const torch::Tensor& decoded, const torch::Tensor& pixels,
                                    const torch::Tensor& cover) {
  const torch::Tensor generated = decoded.to(torch::kFloat32).clamp(-1, 1);
  const auto on = torch::dtype(torch::kFloat32).device(generated.device());
  return torch::lerp(pixels.to(on) * 2 - 1, generated, cover.to(on));
}

}  // namespace palette
