// SyncDiffusion's gradient: from view latents through the UNet (CFG), the x0 prediction, the decoder
// and LPIPS, back to the latents. Only the latents require grad: the models' weights are frozen at
// load, so autograd records nothing for them.
#include <torch/torch.h>

#include "models/model_parts.h"
#include "pipelines/image_tensor.h"
#include "pipelines/sync_diffusion.h"
#include "sampling/scheduler.h"

namespace palette {

torch::Tensor sync_images(const ModelParts& parts, const SyncSettings& settings, const torch::Tensor& x0) {
  torch::Tensor unit;  // [0, 1]
  if (settings.decoder == SyncDecoder::taesd) {
    Taesd taesd = parts.taesd;  // a non-const handle on the shared, unchanged module
    unit = taesd->decode_to_unit(x0.to(taesd->parameters().front().scalar_type()));
  } else {
    unit = (decode_latents_with_grad(parts, x0) / 2 + 0.5).clamp(0, 1);
  }
  return (unit * 2 - 1).to(settings.lpips->input_options());
}

torch::Tensor sync_gradient(const PanoramaLoop& loop, const SyncSettings& settings,
                            const std::vector<torch::Tensor>& anchor_features, const torch::Tensor& views,
                            int64_t step, const std::vector<panorama::View>& where) {
  torch::AutoGradMode enable_grad(true);
  const auto x = views.detach().to(torch::kFloat32).requires_grad_(true);
  const auto eps = predict_views(loop, x, step, where);
  const auto x0 = loop.scheduler->denoise(eps, x, loop.scheduler->timesteps().slice(0, step, step + 1));
  Lpips lpips = settings.lpips;  // a non-const handle on the shared, unchanged model
  const auto features = lpips->features(sync_images(*loop.parts, settings, x0));
  // Views are independent items of the batch, so the gradient of the sum is each view's own.
  const auto distance = lpips->distance(features, anchor_features).sum();
  return torch::autograd::grad({distance}, {x})[0];
}

}  // namespace palette
