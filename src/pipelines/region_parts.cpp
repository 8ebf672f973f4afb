#include "pipelines/region_parts.h"

#include <torch/torch.h>

#include <cmath>

#include "models/model_parts.h"
#include "pipelines/background_image.h"
#include "palette/error.h"

namespace palette {

MaskOptions region_mask_options(const RegionSampling& sampling, int64_t height, int64_t width, int64_t latent_scale) {
  MaskOptions options;
  options.height = height;
  options.width = width;
  options.latent_scale = latent_scale;
  options.mask_type = sampling.mask_type;
  options.cover_alpha = sampling.cover_alpha;
  options.cell_sampling = sampling.reference_corner_cells ? CellSampling::ReferenceCorner : CellSampling::Centre;
  return options;
}

RegionSchedule region_schedule(const ModelParts& parts, const RegionSampling& sampling) {
  RegionSchedule s;
  const bool sdxl = parts.unet->config().text_time_embedding();
  if (sdxl) {
    // The authors' SDXL pipeline: the model's Euler with trailing spacing (what SDXL-Lightning and -Turbo
    // are distilled for), its grid of `index_steps`, an ODE step between the picked σs.
    nlohmann::json config = parts.scheduler_config;
    config["timestep_spacing"] = "trailing";
    s.scheduler = make_scheduler(config, "euler", "scheduler_config.json");
    if (s.scheduler->prediction_type() != PredictionType::epsilon)
      throw Error("the SDXL region pipeline needs an epsilon-predicting model (its Euler steps follow the noise)");
  } else {
    s.scheduler = make_scheduler(parts.scheduler_config, "lcm", "scheduler_config.json");
  }
  s.scheduler->set_timesteps(sampling.index_steps);
  for (int index : sampling.t_index_list) s.timesteps.push_back(s.scheduler->timesteps()[index].item<int64_t>());
  if (!sdxl) {
    s.scheduler->set_custom_timesteps(s.timesteps);
    return s;
  }
  // σ = √((1 − ᾱ)/ᾱ) at each (whole) timestep, what Euler's interpolated σs are there; 0 after the last.
  const torch::Tensor alphas = s.scheduler->alphas_cumprod().to(torch::kDouble);
  for (int64_t t : s.timesteps) {
    const double a = alphas[t].item<double>();
    s.sigmas.push_back(std::sqrt((1 - a) / a));
  }
  s.sigmas.push_back(0.0);
  return s;
}

// One-shot renders need the white posterior at every call: kept by the model, it costs one VAE encoder
// pass per size (at 768², a whole pass saved per render).
GaussianPosterior white_posterior(const ModelParts& parts, int64_t height, int64_t width) {
  return parts.white_posteriors.get(height, width, [&] {
    // In the VAE's own dtype (SDXL's may differ from the model's), back in the model's.
    return image_posterior(parts, torch::ones({1, 3, height, width}, torch::device(parts.device)));
  });
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
