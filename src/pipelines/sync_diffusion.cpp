// SyncDiffusion's settings and its per-step view update; the autograd part is in sync_gradient.cpp.
#include "pipelines/sync_diffusion.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

#include "models/model_parts.h"
#include "palette/error.h"
#include "sampling/scheduler.h"

namespace palette {

const char* sync_decoder_name(SyncDecoder decoder) {
  return decoder == SyncDecoder::taesd ? "taesd" : "vae";
}

SyncDecoder parse_sync_decoder(const std::string& name) {
  if (name == "vae") return SyncDecoder::vae;
  if (name == "taesd") return SyncDecoder::taesd;
  throw Error("unknown sync decoder '" + name + "' (known: vae, taesd)");
}

double SyncSettings::weight_at(int64_t step) const {
  return weight * std::pow(decay, double(step));
}

void check_sync_options(const SyncOptions& o, PanoramaMethod method) {
  if (!o.enabled) return;
  if (method != PanoramaMethod::multidiffusion)
    throw Error(std::string("sync: SyncDiffusion runs on the multidiffusion method, not ") +
                panorama_method_name(method));
  if (!std::isfinite(o.weight) || o.weight < 0)
    throw Error("sync weight " + std::to_string(o.weight) + " must be a finite number ≥ 0");
  if (!std::isfinite(o.decay) || o.decay <= 0 || o.decay > 1)
    throw Error("sync decay " + std::to_string(o.decay) + " must be in (0, 1]");
  if (o.steps < 0) throw Error("sync steps " + std::to_string(o.steps) + " must be ≥ 0");
  if (o.gradient_batch < 1)
    throw Error("sync gradient batch " + std::to_string(o.gradient_batch) + " must be at least 1");
  if (o.lpips.empty() && !o.lpips_model)
    throw Error(
        "sync: no LPIPS weights file given (sync.lpips, the CLI's --lpips FILE); SyncDiffusion "
        "measures the views' agreement with LPIPS v0.1 (README.md, \"LPIPS weights\")");
}

SyncSettings resolve_sync(const ModelParts& parts, const SyncOptions& o) {
  SyncSettings s;
  s.lpips = o.lpips_model ? Lpips(o.lpips_model)
                          : load_lpips(o.lpips, torch::dtype(torch::kFloat32).device(parts.device));
  s.weight = o.weight;
  s.decay = o.decay;
  s.steps = o.steps;
  s.decoder = o.fast ? o.decoder : SyncDecoder::vae;
  s.gradient_batch = o.fast ? o.gradient_batch : 1;
  if (s.decoder == SyncDecoder::taesd && !parts.taesd)
    throw Error(
        "sync decoder taesd: the model was loaded without a TAESD (ModelOptions::taesd, the CLI's "
        "--taesd FOLDER)");
  return s;
}

size_t sync_anchor(const panorama::ViewGrid& grid) {
  return grid.views.size() / 2;
}

torch::Tensor SyncStep::operator()(int64_t step, const torch::Tensor& latents) const {
  if (step >= settings_.steps) return {};
  const PanoramaLoop& loop = *loop_;
  const auto& grid = *loop.grid;
  const size_t anchor = sync_anchor(grid);
  check_cancel(loop);
  std::vector<torch::Tensor> anchor_features;
  {
    torch::NoGradGuard no_grad;
    const auto x = panorama::crop(latents, grid.views[anchor]);
    const auto x0 = loop.scheduler->denoise(predict_views(loop, x, step, {grid.views[anchor]}), x,
                                            loop.scheduler->timesteps().slice(0, step, step + 1));
    // Constant within the step: computed once, compared with every view.
    Lpips lpips = settings_.lpips;  // a non-const handle on the shared, unchanged model
    anchor_features = lpips->features(sync_images(*loop.parts, settings_, x0));
  }
  const double w = settings_.weight_at(step);
  std::vector<torch::Tensor> crops(grid.views.size());
  crops[anchor] = panorama::crop(latents, grid.views[anchor]).to(torch::kFloat32);
  // The anchor's own gradient is never applied (the reference computes and drops it), so it is skipped.
  std::vector<size_t> others;
  for (size_t j = 0; j < grid.views.size(); ++j)
    if (j != anchor) others.push_back(j);
  const auto batch = size_t(settings_.gradient_batch);
  for (size_t first = 0; first < others.size(); first += batch) {
    check_cancel(loop);
    const size_t count = std::min(batch, others.size() - first);
    std::vector<torch::Tensor> views;
    std::vector<panorama::View> where;
    for (size_t i = first; i < first + count; ++i) {
      views.push_back(panorama::crop(latents, grid.views[others[i]]).to(torch::kFloat32));
      where.push_back(grid.views[others[i]]);
    }
    const auto x = torch::cat(views);
    const auto moved = x - w * sync_gradient(loop, settings_, anchor_features, x, step, where);
    for (size_t i = 0; i < count; ++i) crops[others[first + i]] = moved.narrow(0, int64_t(i), 1);
  }
  torch::NoGradGuard no_grad;
  return torch::cat(crops);
}

}  // namespace palette
