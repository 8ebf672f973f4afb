// `palette train-default`: trains one stage of the built-in default model (the autoencoder, then the UNet
// with the text encoder, and the tiny decoder for live frames) on the procedural world, into a diffusers
// folder that resumes across runs.
#include <torch/torch.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "palette/error.h"
#include "palette/training.h"

namespace palette::cli {

namespace {

struct TrainArgs {
  TrainOptions options;
  std::string stage = "autoencoder", device = "auto", out, scene_weights;
  bool print_sizes = false, init = false;
};

void print_sizes(const std::string& size) {
  int64_t total = 0;
  for (const auto& c : default_model_sizes(size)) {
    std::printf("%-13s %10lld parameters  %6.2f MB in fp16\n", c.name.c_str(), static_cast<long long>(c.parameters),
                c.fp16_bytes / 1e6);
    total += c.fp16_bytes;
  }
  std::printf("%-13s %10s             %6.2f MB in fp16\n", "total", "", total / 1e6);
}

void run_train(TrainArgs& args) {
  if (args.print_sizes) return print_sizes(args.options.size);
  if (args.init) {
    if (args.out.empty()) throw Error("--out: the model folder is required");
    init_default_model_folder(args.out, args.options.size, args.options.image_size);
    std::printf("wrote the configs and tokenizer of a new model folder %s\n", args.out.c_str());
    return;
  }
  TrainOptions& o = args.options;
  if (!args.scene_weights.empty()) {
    try {
      o.scene_weights = parse_scene_weights(args.scene_weights);
    } catch (const Error& e) {
      throw Error(std::string("--scene-weights: ") + e.what());
    }
  }
  if (args.stage == "autoencoder" || args.stage == "vae")
    o.stage = TrainStage::Autoencoder;
  else if (args.stage == "vae-decoder")
    o.stage = TrainStage::VaeDecoder;
  else if (args.stage == "unet")
    o.stage = TrainStage::Unet;
  else if (args.stage == "decoder" || args.stage == "taesd")
    o.stage = TrainStage::Decoder;
  else
    throw Error("--stage: unknown stage '" + args.stage + "' (autoencoder, vae-decoder, unet, decoder)");
  ModelArgs device;  // the device option every model command parses
  device.device = args.device;
  o.device = to_model_options(device).device;
  o.out = args.out;
  o.log = [](const std::string& line) { std::cout << line << std::endl; };
  const TrainReport r = train_default(o);
  char extra[96] = "";
  if (o.stage == TrainStage::Autoencoder || o.stage == TrainStage::VaeDecoder) std::snprintf(extra, sizeof extra, ", latent scaling %f", r.scaling_factor);
  if (o.stage == TrainStage::Decoder)
    std::snprintf(extra, sizeof extra, ", PSNR against the VAE's decode %.2f -> %.2f dB", r.psnr_start, r.psnr_end);
  std::printf("trained steps %lld..%lld in %.0f s (%.1f ms per step), loss %.4f -> %.4f, validation loss %.4f -> "
              "%.4f, %lld parameters%s\n",
              static_cast<long long>(r.start_step), static_cast<long long>(r.end_step), r.seconds, r.step_ms,
              r.first_loss, r.last_loss, r.validation_start, r.validation_end, static_cast<long long>(r.parameters),
              extra);
  std::printf("wrote %s\n", o.out.string().c_str());
}

}  // namespace

void add_train_default_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "train-default", "Train a stage of the built-in default model on the procedural world (resumable)");
  auto args = std::make_shared<TrainArgs>();
  TrainOptions& o = args->options;
  cmd->add_option("--stage", args->stage,
                  "autoencoder (first), vae-decoder (the autoencoder's decoder again, encoder frozen: textures), unet "
                  "(the UNet and the text encoder) or decoder (the tiny autoencoder for live frames, taesd/, "
                  "distilled from the autoencoder; --taesd MODEL/taesd loads it)")
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Model folder (diffusers layout), created or resumed");
  cmd->add_flag("--resume", o.resume, "Continue from the weights in --out");
  cmd->add_option("--steps", o.steps, "Optimiser steps in this run (0: until --minutes run out)")->capture_default_str();
  cmd->add_option("--minutes", o.minutes, "Wall-clock budget of this run (0: none)")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Pictures per step")->capture_default_str();
  cmd->add_option("--size", o.image_size, "Picture side in pixels")->capture_default_str();
  cmd->add_option("--crop", o.crop, "Autoencoder: random crop side")->capture_default_str();
  cmd->add_option("--lr", o.lr, "Peak learning rate (AdamW)")->capture_default_str();
  cmd->add_option("--lr-end", o.lr_end, "Learning rate at the end of the run, reached linearly from the end of the warm-up (default: --lr)");
  cmd->add_option("--warmup", o.warmup, "Warm-up steps at the start of each run")->capture_default_str();
  cmd->add_option("--ema", o.ema, "UNet and decoder: weight-average decay (0: off)")->capture_default_str();
  cmd->add_option("--kl-weight", o.kl_weight, "Autoencoder: weight of the KL term")->capture_default_str();
  cmd->add_option("--detail-weight", o.detail_weight, "vae-decoder: weight of the detail-energy term")
      ->capture_default_str();
  cmd->add_option("--caption-dropout", o.caption_dropout, "UNet: share of empty captions")->capture_default_str();
  cmd->add_option("--lcm-share", o.lcm_timestep_share, "UNet: share of timesteps from the LCM schedule")->capture_default_str();
  cmd->add_option("--region-prompts", o.region_prompt_share,
                  "UNet: share of pictures captioned with one class present alone, the loss kept to its pixels")
      ->capture_default_str();
  cmd->add_option("--region-small-bias", o.region_small_bias,
                  "UNet, with --region-prompts: how strongly region prompts favour small classes, 0 to 4: a present "
                  "class is picked with odds proportional to its pixels^-BIAS (0: every present class alike; 1: "
                  "inversely to its area)")
      ->check(CLI::Range(0.0, 4.0))
      ->capture_default_str();
  cmd->add_option("--class-balance", o.class_balance,
                  "UNet: the loss of a picture captioned whole weighs each pixel by (its class's share of the "
                  "picture, at least 0.5 %)^-BALANCE, scaled to mean 1 per picture, 0 to 2 (0: every pixel alike; 1: "
                  "each class of a picture counts as much as any other; pictures with a dropped caption stay "
                  "unweighted): small objects count more")
      ->check(CLI::Range(0.0, 2.0))
      ->capture_default_str();
  cmd->add_option("--region-context", o.region_context_share,
                  "UNet, with --region-prompts: share of region-prompt pictures whose latent outside the class's "
                  "cells comes from another picture of the batch (what a region paints must not follow its "
                  "surroundings)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--scene-weights", args->scene_weights,
                  "Odds of the world's composed scenes in the pictures, e.g. winter=3,road=2 (the others 1; scenes: "
                  "coast, countryside, mountain-lake, winter, desert, road; default all equal)");
  cmd->add_option("--pool", o.pool, "Pictures per data pool")->capture_default_str();
  cmd->add_option("--large-share", o.large_share,
                  "Share of pictures rendered at twice --size and cut to a --size view (the world on a larger canvas)")
      ->capture_default_str();
  cmd->add_option("--unknown-words", o.unknown_words,
                  "UNet: share of captions given 1-3 random vocabulary tokens (robustness to unknown words)")
      ->capture_default_str();
  cmd->add_flag("!--plain-captions", o.varied_captions,
                "UNet: train on the plain captions (class names only) instead of the varied phrasings");
  cmd->add_option("--log-every", o.log_every, "Steps between log lines")->capture_default_str();
  cmd->add_option("--save-minutes", o.save_minutes, "Minutes between checkpoints (0: only at the end)")->capture_default_str();
  cmd->add_option("--seed,-s", o.seed, "World and initialisation seed")->capture_default_str();
  cmd->add_option("--device", args->device, "cpu, cuda or cuda:N (default: cuda when available)");
  cmd->add_flag("--bf16", o.bf16, "bfloat16 autocast on CUDA (else float32 with TF32)");
  cmd->add_option("--data-threads", o.data_threads, "Threads making pictures (0: all cores but two)")->capture_default_str();
  cmd->add_option("--model-size", o.size, "standard (the shipped model) or tiny (tests)")->capture_default_str();
  cmd->add_flag("--init", args->init, "Only write a new --out folder's configs and tokenizer (to carry to the GPU)");
  cmd->add_flag("--print-sizes", args->print_sizes, "Print the architecture's parameter counts and sizes, then stop");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace palette::cli
