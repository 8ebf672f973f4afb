// Stage 1b: the autoencoder's decoder again, its encoder and latent scaling frozen, so the latents the UNet
// was trained on keep their meaning and the UNet stays valid. The autoencoder stage's L1 losses are
// minimised by the mean of what a latent leaves open, and a 4-channel latent per 8 × 8 pixels leaves a
// texture's fine grain open: its decoder paints grass, sand and water as flat colour, and the evaluation
// measured that ceiling (regions of the world's own pictures through it are recognised far less often
// than the pictures themselves). This stage adds a detail-energy term: per 8 × 8 cell, at full and half
// resolution, the mean size of the horizontal and vertical neighbour differences must match the
// picture's. Only flat colour is penalised by it; which grain the decoder draws is its own choice, as a
// perceptual or adversarial loss would leave it, without a network the project cannot ship.
#include <torch/torch.h>

#include "palette/error.h"
#include "training/train_common.h"
#include "training/train_stages.h"
#include "training/world_pool.h"

namespace palette::training {

namespace {

namespace F = torch::nn::functional;

// Mean |horizontal| and |vertical| neighbour difference per 8 × 8 cell and channel: (B, 2C, H/8, W/8).
torch::Tensor cell_detail(const torch::Tensor& t) {
  const auto dx = (t.narrow(3, 1, t.size(3) - 1) - t.narrow(3, 0, t.size(3) - 1)).abs();
  const auto dy = (t.narrow(2, 1, t.size(2) - 1) - t.narrow(2, 0, t.size(2) - 1)).abs();
  const auto pool = F::AvgPool2dFuncOptions(8).stride(8);
  return torch::cat({F::avg_pool2d(dx.narrow(2, 0, dy.size(2)), pool), F::avg_pool2d(dy.narrow(3, 0, dx.size(3)), pool)},
                    1);
}

torch::Tensor detail_loss(const torch::Tensor& rec, const torch::Tensor& x) {
  const auto half = F::AvgPool2dFuncOptions(2).stride(2);
  return (cell_detail(rec) - cell_detail(x)).abs().mean() +
         (cell_detail(F::avg_pool2d(rec, half)) - cell_detail(F::avg_pool2d(x, half))).abs().mean();
}

struct Terms {
  torch::Tensor loss, l1, detail;
};

Terms decoder_loss(AutoencoderKL& vae, const torch::Tensor& x, const torch::Tensor& latent, double detail_weight) {
  const auto rec = vae->decode(latent).to(torch::kFloat32);
  Terms t;
  t.l1 = (rec - x).abs().mean();
  t.detail = detail_loss(rec, x);
  t.loss = t.l1 + detail_weight * t.detail;
  return t;
}

// The stage's loss on a fixed batch and fixed latents, eval mode. The latents are drawn from the posterior once,
// as in training: a decoder that only had to decode posterior means would be judged on latents it never sees.
struct Validation {
  torch::Tensor images, latents;
};

Validation validation_batch(AutoencoderKL& vae, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  vae->eval();
  const auto posterior = vae->encode(images);
  Validation v{images, posterior.sample(torch::randn_like(posterior.mean))};
  vae->train();
  return v;
}

double validation_loss(AutoencoderKL& vae, const Validation& v, double detail_weight) {
  torch::NoGradGuard no_grad;
  vae->eval();
  const double loss = decoder_loss(vae, v.images, v.latents, detail_weight).loss.item<double>();
  vae->train();
  return loss;
}

bool in_decoder(const std::string& name) {
  return name.rfind("decoder.", 0) == 0 || name.rfind("post_quant_conv.", 0) == 0;
}

}  // namespace

TrainReport train_vae_decoder(const TrainOptions& o) {
  const RunBudget budget(o.steps, o.minutes);
  AutoencoderKL vae = load_trained_vae(o.out, "vae-decoder");
  TrainReport r;
  r.start_step = saved_step(vae_weights(o.out));
  r.scaling_factor = vae->scaling_factor();
  prepare_device(o);
  vae->to(o.device);
  vae->train();
  std::vector<torch::Tensor> params;
  for (auto& p : vae->named_parameters()) {
    const bool trained = in_decoder(p.key());
    p.value().set_requires_grad(trained);
    if (trained) params.push_back(p.value());
  }
  if (params.empty()) throw Error("'" + o.out.string() + "': the autoencoder has no decoder parameters");
  for (const auto& p : params) r.parameters += p.numel();
  Optimizer optimizer(params, o.lr, o.lr_end < 0 ? o.lr : o.lr_end, o.warmup);
  WeightAverage average(*vae, o.ema);  // the frozen encoder's average is itself
  const auto save = [&](int64_t step) {
    average.with_average([&] {
      save_fp16(*vae, vae_weights(o.out), step, {{"palette_scaling_factor", std::to_string(r.scaling_factor)}});
    });
  };

  const PoolShape shape = pool_shape(o);
  PoolMaker pools(o.seed + 2, static_cast<uint64_t>(r.start_step) * o.batch, o.pool, shape, o.data_threads);
  WorldPool pool = pools.take(o.device);
  const Validation validation =
      validation_batch(vae, to_unit_range(pool.images.narrow(0, 0, std::min<int64_t>(8, o.pool)), o.device));
  r.validation_start = validation_loss(vae, validation, o.detail_weight);
  report(o, "autoencoder's decoder: " + std::to_string(r.parameters) + " parameters (encoder frozen), resuming at step " +
                std::to_string(r.start_step));
  RunLog log(o, "train-vae-decoder.csv", {"loss", "l1", "detail"}, budget, r);
  int64_t n = 0;
  for (; !budget.done(n); ++n) {
    if (pools.ready()) pool = pools.take(o.device);
    const auto x = random_crops(pool.images, o.batch, o.crop, o.device);
    torch::Tensor latent;
    {
      torch::NoGradGuard no_grad;
      const auto posterior = vae->encode(x);
      latent = posterior.sample(torch::randn_like(posterior.mean));  // what the UNet's samples look like
    }
    Terms t;
    {
      AutocastScope autocast(o.device, o.bf16);
      t = decoder_loss(vae, x, latent, o.detail_weight);
    }
    optimizer.zero_grad();
    t.loss.backward();
    const double lr = optimizer.step(n, budget.progress(n));
    average.update();
    log.step(n + 1, torch::stack({t.loss, t.l1, t.detail}).detach(), lr);
    if (log.checkpoint_due()) save(r.start_step + n + 1);
  }
  log.finish(n);
  average.with_average([&] { r.validation_end = validation_loss(vae, validation, o.detail_weight); });
  save(r.end_step);
  return r;
}

}  // namespace palette::training
