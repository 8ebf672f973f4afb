// Stage 2: the UNet and the CLIP text encoder together, on latents of world pictures from the trained
// autoencoder (frozen). Objective: v-prediction (v = √ᾱ·ε − √(1−ᾱ)·x0), MSE, on the scheduler's
// scaled-linear ᾱ. For few-step sampling, a share of the timesteps are exactly those of the region
// pipeline's and the stream's LCM schedule ([999, 919, 759, 499, 259] from RegionSampling's defaults),
// the rest uniform over [0, 1000). Captions are dropped to "" for a share of the pictures, so
// classifier-free guidance works too. A share of the pictures are captioned with one class present alone
// and their loss is kept to that class's latent cells (WorldPool's region prompts): a region pipeline
// denoises each region under its own prompt while the latent around it shows other things, and this is
// that situation, supervised; with --region-context a share of them show their class among another
// picture's surroundings, as a layout's other layers would. With --class-balance the other pictures' loss
// weighs small objects' cells more (a tree over a snowfield is a few cells against hundreds). The saved
// weights are the exponential moving average.
#include <torch/torch.h>

#include <cstdio>

#include "io/json_config.h"
#include "palette/error.h"
#include "palette/regions.h"
#include "sampling/lcm_scheduler.h"
#include "text/clip_tokenizer.h"
#include "training/train_common.h"
#include "training/train_stages.h"
#include "training/unknown_words.h"
#include "training/world_pool.h"

namespace palette::training {

namespace fs = std::filesystem;

namespace {

// The first rows of the first pool are the fixed validation batch; they keep their captions as written.
constexpr int64_t kValidationRows = 16;

// The training timesteps the LCM sampler visits with the region pipeline's default settings.
std::vector<int64_t> lcm_schedule_timesteps() {
  const RegionSampling defaults;
  LcmScheduler lcm(JsonConfig(scheduler_config_json(), "default scheduler config"));
  lcm.set_timesteps(defaults.index_steps);
  std::vector<int64_t> out;
  for (int i : defaults.t_index_list) out.push_back(lcm.timesteps()[i].item<int64_t>());
  return out;
}

struct Latents {
  torch::Tensor mean, std;  // (N,4,h,w) on the device, before the scaling factor
  torch::Tensor ids;        // (N,77) caption token ids on the device
  torch::Tensor region_ids;    // (N,77) the region prompts' token ids on the device
  torch::Tensor region_masks;  // (N,1,h,w) where each region prompt's class is, on the device
  torch::Tensor balance;       // (N,1,h,w) the class-balance maps on the device; undefined without --class-balance
};

Latents encode_pool(AutoencoderKL& vae, const WorldPool& pool, const ClipTokenizer& tokenizer,
                    const torch::Device& device, double unknown_words, uint64_t seed) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> means, stds;
  const int64_t n = pool.images.size(0);
  for (int64_t i = 0; i < n; i += 64) {
    const auto posterior = vae->encode(to_unit_range(pool.images.narrow(0, i, std::min<int64_t>(64, n - i)), device));
    means.push_back(posterior.mean);
    stds.push_back(torch::exp(0.5 * posterior.logvar));
  }
  const auto ids =
      with_unknown_words(tokenizer.encode_batch(pool.captions).contiguous(), unknown_words, seed, kValidationRows);
  const auto region_ids = with_unknown_words(tokenizer.encode_batch(pool.region_captions).contiguous(), unknown_words,
                                             seed ^ 0x9e3779b97f4a7c15ull, 0);
  return {torch::cat(means), torch::cat(stds), ids.to(device), region_ids.to(device), pool.region_masks.to(device),
          pool.balance_weights.defined() ? pool.balance_weights.to(device) : torch::Tensor()};
}

// A fixed batch: latents (posterior means), caption ids, timesteps (half at the LCM schedule) and noise.
struct Validation {
  torch::Tensor x0, ids, t, noise;
};

Validation make_validation(const Latents& data, const torch::Tensor& lcm_steps, double scaling, int64_t count) {
  Validation v;
  v.x0 = data.mean.narrow(0, 0, count) * scaling;
  v.ids = data.ids.narrow(0, 0, count);
  const auto uniform = torch::linspace(0, 999, count, torch::kFloat32).round().to(torch::kLong).to(v.x0.device());
  const auto at_lcm = torch::arange(count, v.x0.device()).remainder(lcm_steps.size(0));
  v.t = torch::where(torch::arange(count, v.x0.device()).remainder(2) == 0, lcm_steps.index_select(0, at_lcm), uniform);
  v.noise = torch::randn_like(v.x0);
  return v;
}

struct Networks {
  UNet2DConditionModel unet{nullptr};
  ClipTextModel text{nullptr};
};

double validation_loss(Networks& nets, const Validation& v, const torch::Tensor& alphas) {
  torch::NoGradGuard no_grad;
  nets.unet->eval();
  nets.text->eval();
  const auto a = alphas.index_select(0, v.t).view({-1, 1, 1, 1});
  const auto xt = a.sqrt() * v.x0 + (1 - a).sqrt() * v.noise;
  const auto target = a.sqrt() * v.noise - (1 - a).sqrt() * v.x0;
  const double loss = (nets.unet->forward(xt, v.t, nets.text->encode(v.ids)) - target).pow(2).mean().item<double>();
  nets.unet->train();
  nets.text->train();
  return loss;
}

void save(Networks& nets, WeightAverage& unet_avg, WeightAverage& text_avg, const TrainOptions& o, int64_t step) {
  unet_avg.with_average([&] { save_fp16(*nets.unet, unet_weights(o.out), step); });
  text_avg.with_average([&] { save_fp16(*nets.text, text_weights(o.out), step); });
}

}  // namespace

TrainReport train_unet(const TrainOptions& o) {
  const RunBudget budget(o.steps, o.minutes);
  auto spec = DefaultModelSpec::named(o.size);
  // The frozen autoencoder is whatever the folder holds; a resumed UNet keeps its own grouping.
  spec.vae_groups = trained_groups(o.out / "vae" / "config.json", spec.vae_groups);
  if (o.resume) spec.unet_groups = trained_groups(o.out / "unet" / "config.json", spec.unet_groups);
  AutoencoderKL vae = load_trained_vae(o.out, "UNet");
  check_architecture(o.out / "vae" / "config.json", vae_config_json(spec, 1.0));  // its config is rewritten below
  if (o.resume) {
    check_architecture(o.out / "unet" / "config.json", unet_config_json(spec, o.image_size / 8));
    check_architecture(o.out / "text_encoder" / "config.json", text_encoder_config_json(spec));
  }
  prepare_device(o);
  vae->to(o.device);
  const double scaling = vae->scaling_factor();
  write_model_configs(o.out, spec, scaling, o.image_size);  // keeps the VAE's scaling
  const ClipTokenizer tokenizer = ClipTokenizer::from_folder(o.out / "tokenizer");

  Networks nets{make_unet(spec, o.image_size), make_text_encoder(spec)};
  TrainReport r;
  if (o.resume) {
    r.start_step = load_checkpoint(*nets.unet, unet_weights(o.out));
    load_checkpoint(*nets.text, text_weights(o.out), /*clip_text=*/true);
  }
  nets.unet->to(o.device);
  nets.text->to(o.device);
  nets.unet->train();
  nets.text->train();
  auto params = nets.unet->parameters();
  for (auto& p : nets.text->parameters()) params.push_back(p);
  r.parameters = parameter_count(*nets.unet) + parameter_count(*nets.text);
  Optimizer optimizer(params, o.lr, o.lr_end < 0 ? o.lr : o.lr_end, o.warmup);
  WeightAverage unet_avg(*nets.unet, o.ema), text_avg(*nets.text, o.ema);

  const auto on = torch::TensorOptions().device(o.device);
  const auto alphas = make_scheduler(scheduler_config_json(), "lcm")->alphas_cumprod().to(o.device);
  const auto lcm_steps = torch::tensor(lcm_schedule_timesteps(), torch::kLong).to(o.device);
  const auto empty_ids = torch::tensor(tokenizer.encode(""), torch::kLong).to(o.device);

  const PoolShape shape = pool_shape(o);
  PoolMaker pools(o.seed + 1, static_cast<uint64_t>(r.start_step) * o.batch, o.pool, shape, o.data_threads);
  uint64_t pools_taken = 0;
  const auto next_pool = [&] {
    return encode_pool(vae, pools.take(), tokenizer, o.device, o.unknown_words, o.seed * 7919 + pools_taken++);
  };
  Latents data = next_pool();
  const Validation validation = make_validation(data, lcm_steps, scaling, std::min<int64_t>(kValidationRows, o.pool));
  r.validation_start = validation_loss(nets, validation, alphas);
  report(o, "unet + text encoder: " + std::to_string(r.parameters) + " parameters, resuming at step " +
                std::to_string(r.start_step));
  RunLog log(o, "train-unet.csv", {"loss", "loss_at_lcm_timesteps"}, budget, r);
  int64_t n = 0;
  for (; !budget.done(n); ++n) {
    if (pools.ready()) data = next_pool();
    const int64_t b = o.batch;
    const auto idx = torch::randint(data.mean.size(0), {b}, on.dtype(torch::kLong));
    const auto mean = data.mean.index_select(0, idx), spread = data.std.index_select(0, idx);
    auto x0 = (mean + spread * torch::randn_like(mean)) * scaling;  // a posterior sample, UNet scale
    const auto drop = torch::rand({b, 1}, on) < o.caption_dropout;
    const auto regional = (torch::rand({b, 1}, on) < o.region_prompt_share).logical_and(drop.logical_not());
    if (o.region_context_share > 0) {
      // In a layout a region's cells sit among what the other layers paint; the class's own cells (any
      // share of it) stay, so its loss still reads its own picture.
      const auto swap = regional.view({b}).logical_and(torch::rand({b}, on) < o.region_context_share);
      x0 = with_foreign_surroundings(x0, data.region_masks.index_select(0, idx) > 0, swap);
    }
    const auto captions = torch::where(regional, data.region_ids.index_select(0, idx), data.ids.index_select(0, idx));
    const auto ids = torch::where(drop, empty_ids.unsqueeze(0), captions);
    // Class balance is for pictures captioned whole; an empty caption asks for no class, so every cell alike.
    const auto ones = torch::ones({1, 1, 1, 1}, on);
    const auto whole = data.balance.defined()
                           ? torch::where(drop.view({b, 1, 1, 1}), ones, data.balance.index_select(0, idx))
                           : ones;
    const auto weight = torch::where(regional.view({b, 1, 1, 1}), data.region_masks.index_select(0, idx), whole);
    const auto at_lcm = torch::rand({b}, on) < o.lcm_timestep_share;
    const auto t = torch::where(at_lcm, lcm_steps.index_select(0, torch::randint(lcm_steps.size(0), {b}, on.dtype(torch::kLong))),
                                torch::randint(alphas.size(0), {b}, on.dtype(torch::kLong)));
    const auto a = alphas.index_select(0, t).view({b, 1, 1, 1});
    const auto noise = torch::randn_like(x0);
    const auto xt = a.sqrt() * x0 + (1 - a).sqrt() * noise;
    const auto v = a.sqrt() * noise - (1 - a).sqrt() * x0;
    torch::Tensor loss, terms;
    {
      AutocastScope autocast(o.device, o.bf16);
      const auto cond = nets.text->encode(ids);
      const auto pred = nets.unet->forward(xt, t, cond).to(torch::kFloat32);
      // A region item's loss is its class's cells' mean; the others', the whole latent's (class-balanced: each
      // cell weighted by its balance map, whose mean is 1, so the loss keeps its scale).
      const auto per_item = ((pred - v).pow(2) * weight).sum({1, 2, 3}) /
                            (weight.sum({1, 2, 3}) * pred.size(1)).clamp_min(1e-6);
      loss = per_item.mean();
      const auto lcm_f = at_lcm.to(torch::kFloat32);
      terms = torch::stack({loss, (per_item * lcm_f).sum() / lcm_f.sum().clamp_min(1.0)}).detach();
    }
    optimizer.zero_grad();
    loss.backward();
    const double lr = optimizer.step(n, budget.progress(n));
    unet_avg.update();
    text_avg.update();
    log.step(n + 1, terms, lr);
    if (log.checkpoint_due()) save(nets, unet_avg, text_avg, o, r.start_step + n + 1);
  }
  log.finish(n);
  unet_avg.with_average([&] { text_avg.with_average([&] { r.validation_end = validation_loss(nets, validation, alphas); }); });
  save(nets, unet_avg, text_avg, o, r.end_step);
  r.scaling_factor = scaling;
  return r;
}

}  // namespace palette::training
