#include "pipelines/region_parts.h"

#include <torch/torch.h>

#include <list>
#include <memory>
#include <mutex>

#include "models/model_parts.h"

namespace palette {

MaskType to_mask_type(RegionMaskType type) {
  switch (type) {
    case RegionMaskType::SemiContinuous:
      return MaskType::SemiContinuous;
    case RegionMaskType::Continuous:
      return MaskType::Continuous;
    case RegionMaskType::Discrete:
      break;
  }
  return MaskType::Discrete;
}

RegionSchedule region_schedule(const ModelParts& parts, const RegionSampling& sampling) {
  RegionSchedule s;
  s.scheduler = make_scheduler(parts.scheduler_config, "lcm", "scheduler_config.json");
  s.scheduler->set_timesteps(sampling.index_steps);
  for (int index : sampling.t_index_list) s.timesteps.push_back(s.scheduler->timesteps()[index].item<int64_t>());
  s.scheduler->set_custom_timesteps(s.timesteps);
  return s;
}

namespace {

// The white image's posterior depends only on the VAE and the size, so one-shot renders (which need
// it at every call) encode it once: at 768² that is a whole VAE encoder pass saved per render. Keyed
// by a weak pointer to the VAE, so a new model that reuses a freed one's address never matches.
struct WhiteEntry {
  std::weak_ptr<AutoencoderKLImpl> vae;
  int64_t height = 0, width = 0;
  GaussianPosterior posterior;
};

std::mutex white_mutex;
std::list<WhiteEntry> white_cache;  // most recent first
constexpr size_t kWhiteEntries = 4;

}  // namespace

GaussianPosterior white_posterior(const ModelParts& parts, int64_t height, int64_t width) {
  AutoencoderKL vae = parts.vae;  // a non-const handle on the shared, unchanged module
  {
    std::lock_guard<std::mutex> lock(white_mutex);
    white_cache.remove_if([](const WhiteEntry& e) { return e.vae.expired(); });
    for (auto it = white_cache.begin(); it != white_cache.end(); ++it)
      if (it->vae.lock() == vae.ptr() && it->height == height && it->width == width) {
        white_cache.splice(white_cache.begin(), white_cache, it);
        return white_cache.front().posterior;
      }
  }
  torch::NoGradGuard no_grad;
  const GaussianPosterior posterior =
      vae->encode(torch::ones({1, 3, height, width}, torch::dtype(parts.dtype).device(parts.device)));
  std::lock_guard<std::mutex> lock(white_mutex);
  white_cache.push_front({vae.ptr(), height, width, posterior});
  if (white_cache.size() > kWhiteEntries) white_cache.pop_back();
  return posterior;
}

torch::Tensor posterior_latent(const GaussianPosterior& posterior, const ModelParts& parts, NoiseSource& noise) {
  const auto on_model = torch::dtype(parts.dtype).device(parts.device);
  return posterior_latent(posterior, parts, noise.randn(posterior.mean.sizes(), on_model));
}

torch::Tensor posterior_latent(const GaussianPosterior& posterior, const ModelParts& parts,
                               const torch::Tensor& draw) {
  return parts.vae->config().scaling_factor * posterior.sample(draw);
}

torch::Tensor towards_background(const torch::Tensor& background, const torch::Tensor& layer, double strength) {
  return torch::lerp(background, layer, strength);
}

}  // namespace palette
