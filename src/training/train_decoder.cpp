// Stage 3: a tiny autoencoder for live frames (diffusers' AutoencoderTiny, what --taesd loads), distilled
// from the frozen AutoencoderKL of stage 1. Its decoder takes UNet-scale latents (posterior samples × the
// VAE's scaling factor, what the scheduler holds and the stream hands TAESD) and learns the VAE's own
// decode of them: L1 + ½·L1 on horizontal and vertical differences, as the autoencoder stage. Its encoder
// (the stream encodes background pictures with it) learns the VAE's UNet-scale posterior means (MSE).
// The report carries the PSNR of the tiny decode against the VAE's on a fixed validation batch.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>

#include "palette/error.h"
#include "training/train_common.h"
#include "training/train_stages.h"
#include "training/world_pool.h"

namespace palette::training {

namespace {

// What the tiny autoencoder learns for pictures `x` in [-1, 1]: the VAE's UNet-scale latents `z` (posterior
// samples, or means when `noise` is false), its decode `picture` of them (clamped to [-1, 1]) and the
// encoder's target, the UNet-scale posterior means.
struct Teacher {
  torch::Tensor z, picture, mean;
};

Teacher teach(AutoencoderKL& vae, const torch::Tensor& x, bool noise) {
  torch::NoGradGuard no_grad;
  const double scaling = vae->scaling_factor();
  const auto posterior = vae->encode(x);
  const auto latent = noise ? posterior.sample(torch::randn_like(posterior.mean)) : posterior.mean;
  return {latent * scaling, vae->decode(latent).clamp(-1, 1), posterior.mean * scaling};
}

struct Terms {
  torch::Tensor loss, l1, edges, latent_mse;
};

Terms distillation_loss(Taesd& taesd, const torch::Tensor& x, const Teacher& t) {
  const auto decoded = taesd->decode(t.z).to(torch::kFloat32);
  const auto encoded = taesd->encode(x).to(torch::kFloat32);
  Terms s;
  s.l1 = (decoded - t.picture).abs().mean();
  s.edges = edge_l1(decoded, t.picture);
  s.latent_mse = (encoded - t.mean).pow(2).mean();
  s.loss = s.l1 + 0.5 * s.edges + s.latent_mse;
  return s;
}

// The fixed validation batch: pictures and the teacher's latents (posterior means) and decodes of them.
struct Validation {
  torch::Tensor x;
  Teacher teacher;
};

struct Score {
  double loss = 0, psnr = 0;
};

Score validate(Taesd& taesd, const Validation& v) {
  torch::NoGradGuard no_grad;
  taesd->eval();
  const Terms t = distillation_loss(taesd, v.x, v.teacher);
  const auto unit = [](const torch::Tensor& p) { return (p.to(torch::kFloat32) + 1).div(2).clamp(0, 1); };
  const double mse =
      (unit(taesd->decode(v.teacher.z)) - unit(v.teacher.picture)).pow(2).mean().item<double>();
  taesd->train();
  return {t.loss.item<double>(), 10.0 * std::log10(1.0 / std::max(mse, 1e-12))};
}

void save(Taesd& taesd, WeightAverage& average, const TrainOptions& o, const DefaultModelSpec& spec,
          int64_t step) {
  write_taesd_config(o.out, spec);
  average.with_average([&] { save_fp16(*taesd, taesd_weights(o.out), step); });
}

}  // namespace

TrainReport train_decoder(const TrainOptions& o) {
  const RunBudget budget(o.steps, o.minutes);
  const auto spec = DefaultModelSpec::named(o.size);
  // The autoencoder's own config: the tiny one learns whatever VAE the folder holds (4 latent channels, ×8).
  AutoencoderKL vae = load_trained_vae(o.out, "decoder");
  if (o.resume) check_architecture(o.out / "taesd" / "config.json", taesd_config_json(spec));
  prepare_device(o);
  Taesd taesd = make_taesd(spec);
  TrainReport r;
  if (o.resume) r.start_step = load_checkpoint(*taesd, taesd_weights(o.out));
  vae->to(o.device);
  taesd->to(o.device);
  taesd->train();
  r.parameters = parameter_count(*taesd);
  r.scaling_factor = vae->scaling_factor();
  Optimizer optimizer(taesd->parameters(), o.lr, o.lr_end < 0 ? o.lr : o.lr_end, o.warmup);
  WeightAverage average(*taesd, o.ema);

  // The pictures as the other stages see them; their captions are not used.
  const PoolShape shape = pool_shape(o);
  PoolMaker pools(o.seed + 2, static_cast<uint64_t>(r.start_step) * o.batch, o.pool, shape, o.data_threads);
  WorldPool pool = pools.take(o.device);
  Validation validation;
  validation.x = to_unit_range(pool.images.narrow(0, 0, std::min<int64_t>(8, o.pool)), o.device);
  validation.teacher = teach(vae, validation.x, /*noise=*/false);
  const Score start = validate(taesd, validation);
  r.validation_start = start.loss;
  r.psnr_start = start.psnr;
  report(o, "tiny autoencoder: " + std::to_string(r.parameters) + " parameters, resuming at step " +
                std::to_string(r.start_step));
  RunLog log(o, "train-decoder.csv", {"loss", "l1", "edges", "latent_mse"}, budget, r);
  int64_t n = 0;
  for (; !budget.done(n); ++n) {
    if (pools.ready()) pool = pools.take(o.device);
    const auto x = random_crops(pool.images, o.batch, o.image_size, o.device);  // whole pictures
    Terms t;
    {
      AutocastScope autocast(o.device, o.bf16);
      t = distillation_loss(taesd, x, teach(vae, x, /*noise=*/true));
    }
    optimizer.zero_grad();
    t.loss.backward();
    const double lr = optimizer.step(n, budget.progress(n));
    average.update();
    log.step(n + 1, torch::stack({t.loss, t.l1, t.edges, t.latent_mse}).detach(), lr);
    if (log.checkpoint_due()) save(taesd, average, o, spec, r.start_step + n + 1);
  }
  log.finish(n);
  average.with_average([&] {
    const Score end = validate(taesd, validation);
    r.validation_end = end.loss;
    r.psnr_end = end.psnr;
  });
  char line[160];
  std::snprintf(line, sizeof line,
                "tiny decode against the VAE's: PSNR %.2f dB (was %.2f dB) on %lld validation pictures",
                r.psnr_end, r.psnr_start, static_cast<long long>(validation.x.size(0)));
  report(o, line);
  save(taesd, average, o, spec, r.end_step);
  return r;
}

}  // namespace palette::training
