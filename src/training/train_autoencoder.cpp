// Stage 1: the AutoencoderKL on random crops of world pictures. Loss: L1 on pixels + L1 on their
// horizontal and vertical differences (keeps the textures' edges sharp without a perceptual network)
// + a small KL term that keeps the posterior's variance from collapsing. At the end the latent scaling
// factor (1 / standard deviation of the latents, as Stable Diffusion's 0.18215 was chosen) goes into
// vae/config.json.
#include <torch/torch.h>

#include <cstdio>

#include "io/json_config.h"
#include "palette/error.h"
#include "training/train_common.h"
#include "training/train_stages.h"
#include "training/world_pool.h"

namespace palette::training {

namespace fs = std::filesystem;

namespace {

// L1 + edges of the reconstruction of posterior means: the stage's loss without its noise.
double validation_loss(AutoencoderKL& vae, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  vae->eval();
  const auto rec = vae->decode(vae->encode(x).mean);
  vae->train();
  return ((rec - x).abs().mean() + 0.5 * edge_l1(rec, x)).item<double>();
}

// 1 / std of posterior samples of a few batches of `pool` (whole pictures, eval mode).
double latent_scaling(AutoencoderKL& vae, const WorldPool& pool, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  vae->eval();
  const int64_t n = std::min<int64_t>(pool.images.size(0), 64);
  std::vector<torch::Tensor> latents;
  for (int64_t i = 0; i < n; i += 16) {
    const auto x = to_unit_range(pool.images.narrow(0, i, std::min<int64_t>(16, n - i)), device);
    const auto posterior = vae->encode(x);
    latents.push_back(posterior.sample(torch::randn_like(posterior.mean)));
  }
  vae->train();
  const double std = torch::cat(latents).std().item<double>();
  if (!(std > 1e-8)) throw Error("the autoencoder's latents have no spread (std " + std::to_string(std) + ")");
  return 1.0 / std;
}

void save(AutoencoderKL& vae, const TrainOptions& o, const DefaultModelSpec& spec, double scaling, int64_t step) {
  write_model_configs(o.out, spec, scaling, o.image_size);
  save_fp16(*vae, vae_weights(o.out), step, {{"palette_scaling_factor", std::to_string(scaling)}});
}

}  // namespace

TrainReport train_autoencoder(const TrainOptions& o) {
  const RunBudget budget(o.steps, o.minutes);
  auto spec = DefaultModelSpec::named(o.size);
  if (o.resume) {  // the configs written at the end keep both networks' own grouping
    spec.vae_groups = trained_groups(o.out / "vae" / "config.json", spec.vae_groups);
    spec.unet_groups = trained_groups(o.out / "unet" / "config.json", spec.unet_groups);
  }
  prepare_device(o);
  AutoencoderKL vae = make_vae(spec);
  TrainReport r;
  if (o.resume) {
    check_architecture(o.out / "vae" / "config.json", vae_config_json(spec, 1.0));
    r.start_step = load_checkpoint(*vae, vae_weights(o.out));
  }
  vae->to(o.device);
  vae->train();
  r.parameters = parameter_count(*vae);
  Optimizer optimizer(vae->parameters(), o.lr, o.lr_end < 0 ? o.lr : o.lr_end, o.warmup);
  std::error_code ec;
  fs::create_directories(o.out, ec);

  const PoolShape shape = pool_shape(o);
  PoolMaker pools(o.seed, static_cast<uint64_t>(r.start_step) * o.batch, o.pool, shape, o.data_threads);
  WorldPool pool = pools.take(o.device);
  const auto validation = to_unit_range(pool.images.narrow(0, 0, std::min<int64_t>(8, o.pool)), o.device);
  r.validation_start = validation_loss(vae, validation);
  report(o, "autoencoder: " + std::to_string(r.parameters) + " parameters, resuming at step " + std::to_string(r.start_step));
  RunLog log(o, "train-autoencoder.csv", {"loss", "l1", "edges", "kl"}, budget, r);
  int64_t n = 0;
  for (; !budget.done(n); ++n) {
    if (pools.ready()) pool = pools.take(o.device);
    const auto x = random_crops(pool.images, o.batch, o.crop, o.device);
    torch::Tensor loss, terms;
    {
      AutocastScope autocast(o.device, o.bf16);
      const auto posterior = vae->encode(x);
      const auto rec = vae->decode(posterior.sample(torch::randn_like(posterior.mean))).to(torch::kFloat32);
      const auto mean = posterior.mean.to(torch::kFloat32), logvar = posterior.logvar.to(torch::kFloat32);
      const auto l1 = (rec - x).abs().mean(), edges = edge_l1(rec, x);
      const auto kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).mean();
      loss = l1 + 0.5 * edges + o.kl_weight * kl;
      terms = torch::stack({loss, l1, edges, kl}).detach();
    }
    optimizer.zero_grad();
    loss.backward();
    const double lr = optimizer.step(n, budget.progress(n));
    log.step(n + 1, terms, lr);
    if (log.checkpoint_due()) save(vae, o, spec, latent_scaling(vae, pool, o.device), r.start_step + n + 1);
  }
  r.validation_end = validation_loss(vae, validation);
  log.finish(n);
  r.scaling_factor = latent_scaling(vae, pool, o.device);
  save(vae, o, spec, r.scaling_factor, r.end_step);
  return r;
}

}  // namespace palette::training
