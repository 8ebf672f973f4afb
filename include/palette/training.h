// Training and evaluating the built-in default model: a small Stable Diffusion (SD 1.x layout) that
// learns the procedural world of palette/world.h. Three stages, each resumable from the diffusers folder
// it writes: the autoencoder (AutoencoderKL, 4 latent channels, ×8), then the UNet together with the CLIP
// text encoder (gradients reach the text encoder through the UNet's cross-attention), and a tiny
// autoencoder for live frames (AutoencoderTiny in model/taesd, distilled from the frozen VAE; it needs
// only the first stage).
//
//   palette::TrainOptions options;
//   options.stage = palette::TrainStage::Autoencoder;
//   options.out = "model";                  // a diffusers folder, created or resumed
//   options.device = torch::kCUDA;
//   options.minutes = 7;
//   palette::TrainReport r = palette::train_default(options);   // writes model/vae/…, model/train-autoencoder.csv
//   options.stage = palette::TrainStage::Unet;
//   palette::train_default(options);                            // needs model/vae from the first stage
//   options.stage = palette::TrainStage::Decoder;
//   palette::train_default(options);                            // model/taesd: load it with ModelOptions::taesd
//   palette::Model model = palette::Model::load("model");      // loads like any checkpoint
//
//   palette::EvalOptions eval;
//   eval.model = "model";
//   palette::EvalReport e = palette::eval_default(eval);       // per-region colour-classifier accuracy
//
// Few-step sampling: the UNet predicts v (v-prediction) and half of its training timesteps are those
// the LCM sampler and the stream visit ([999, 919, 759, 499, 259]); no consistency distillation.
// Resuming reads only the fp16 weight files (the step count travels in their metadata); the optimiser
// starts afresh with a short warm-up.
// Failures: palette::Error naming the option or file (bad options are refused before any work);
// nothing half-written: each file is replaced atomically.
// Thread safety: one training or evaluation per process at a time (they seed LibTorch's global
// generators); the callbacks run on the calling thread.
#pragma once

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "palette/image.h"
#include "palette/regions.h"
#include "palette/sampler.h"
#include "palette/world.h"

namespace palette {

enum class TrainStage { Autoencoder, VaeDecoder, Unet, Decoder };

struct TrainOptions {
  TrainStage stage = TrainStage::Autoencoder;
  std::filesystem::path out;        // the model folder (diffusers layout); created when absent
  bool resume = false;              // continue from the weights in `out` (else start afresh, overwriting)
  std::string size = "standard";    // architecture: "standard" (the shipped model) or "tiny" (tests)
  int64_t steps = 0;                // optimiser steps in this run; 0 = until `minutes` run out
  double minutes = 0;               // wall-clock budget of this run, data generation included; 0 = none
  int batch = 32;                   // pictures per step
  int image_size = 256;             // pictures of the world, pixels (multiple of 8)
  int crop = 128;                   // autoencoder stage: random crops of this side (≤ image_size)
  double lr = 2e-4;                 // peak learning rate (AdamW)
  double lr_end = -1;               // rate at the end of the run, reached linearly after the warm-up; < 0: lr
  int64_t warmup = 200;             // steps of linear warm-up at the start of each run
  double ema = 0.999;               // UNet and decoder stages: weight averaging decay (0 = off); saved weights are the average
  double kl_weight = 1e-5;          // autoencoder stage: KL term per latent element
  double detail_weight = 1.0;       // vae-decoder stage: weight of the detail-energy term (see train_vae_decoder.cpp)
  double caption_dropout = 0.1;     // UNet stage: share of empty captions (makes CFG possible)
  double lcm_timestep_share = 0.5;  // UNet stage: share of timesteps drawn from the LCM schedule
  double region_prompt_share = 0.0; // UNet stage: share of pictures captioned with one class present alone, the
                                    // loss kept to that class's pixels: what a region pipeline asks of a region
  double region_small_bias = 0.0;   // UNet stage: ≥ 0, a region prompt picks a present class with odds ∝ its
                                    // pixels^-bias (0: every present class alike; 1: inversely to its area)
  double region_context_share = 0.0; // UNet stage: share of region-prompt pictures whose latent outside the
                                    // class's cells comes from another picture of the batch, so that what a
                                    // region paints does not follow what surrounds it (a layout's other layers)
  SceneWeights scene_weights = kEqualSceneWeights;  // the odds of the world's composed scenes in the pictures
  double class_balance = 0.0;       // UNet stage: in [0, 2], the loss of a picture captioned whole weighs each
                                    // pixel by (its class's share of the picture, at least 0.5 %)^-balance, scaled
                                    // to mean 1 per picture: small objects count more (0: every pixel alike)
  int pool = 4096;                  // pictures generated per data pool (a new pool is made in the background)
  double large_share = 0.5;         // share of pictures rendered at 2 × --size and cut to a --size view: the
                                    // world as a larger canvas shows it (a 512² layout, for a 256² model)
  bool varied_captions = true;      // UNet stage: captions in many phrasings (else the plain class names)
  double unknown_words = 0.3;       // UNet stage: share of captions given 1–3 random vocabulary tokens, so
                                    // words the model does not know do not derail a prompt
  int64_t log_every = 50;           // steps between log lines and CSV rows
  double save_minutes = 2;          // minutes between checkpoints (and one at the end); 0 = only at the end
  uint64_t seed = 1;                // world and initialisation seed
  torch::Device device = torch::kCPU;
  bool bf16 = false;                // bfloat16 autocast (CUDA, LibTorch ≥ 2.4); else float32 (TF32 on CUDA)
  int data_threads = 0;             // threads making pictures; 0 = all cores but two
  std::function<void(const std::string&)> log;  // progress lines; may be empty
};

struct TrainReport {
  int64_t start_step = 0;  // the step count the run resumed from (0 for a fresh start)
  int64_t end_step = 0;    // the step count saved at the end
  double first_loss = 0;   // mean training loss of the first logged interval of this run
  double last_loss = 0;    // mean training loss of the last logged interval
  // The loss on one fixed batch of the first data pool (fixed noise and timesteps, posterior means, eval
  // mode) before and after this run: comparable across runs with the same seed, free of batch noise.
  double validation_start = 0;
  double validation_end = 0;
  double seconds = 0;
  double step_ms = 0;      // mean time per optimiser step
  int64_t parameters = 0;  // trained parameters
  double scaling_factor = 0;  // autoencoder stage: the latent scaling written into vae/config.json
  // Decoder stage: PSNR (dB, pictures in [0, 1]) of the tiny decode against the VAE's own decode of the
  // validation batch's latents (posterior means), before and after this run.
  double psnr_start = 0;
  double psnr_end = 0;
};

// Runs one stage. Throws palette::Error for bad options (before any work) and for a folder that does
// not fit (e.g. the UNet or decoder stage without a trained autoencoder, or resume without weights).
TrainReport train_default(const TrainOptions& options);

// Writes a new model folder's configs and tokenizer (no weights; the VAE's scaling factor is a placeholder
// the autoencoder stage replaces), so the folder can travel to the training machine and back with only
// weights changing. Throws palette::Error when `folder` already holds a model_index.json, or naming the
// file it cannot write.
void init_default_model_folder(const std::filesystem::path& folder, const std::string& size = "standard",
                               int image_size = 256);

// The sizes of the architecture `size`: parameters per component and their fp16 bytes.
struct ComponentSize {
  std::string name;
  int64_t parameters = 0;
  int64_t fp16_bytes = 0;
};
std::vector<ComponentSize> default_model_sizes(const std::string& size = "standard");

// Per class, the prompts an evaluation paints that class's regions with, in turn, instead of its name.
using ClassPhrasings = std::map<WorldClass, std::vector<std::string>>;

// Reads a phrasing file: a JSON object {"<class name>": ["prompt", ...], ...} (class names as
// world_class_name gives them; at least one non-empty prompt per class named). Throws palette::Error
// naming the file and what is wrong: not a regular file, over 1 MiB, not JSON, not an object, an
// unknown class (listing the known ones), a list that is empty or holds something other than text.
ClassPhrasings read_class_phrasings(const std::filesystem::path& file);

struct EvalOptions {
  std::filesystem::path model;      // a model folder (the default model, or any SD 1.x/2.x model)
  int count = 48;                   // layouts rendered (fixed ones, cycling through the scene kinds): about 200
                                    // regions, enough for per-class figures
  int size = 256;                   // canvas side in pixels
  uint64_t seed = 20240;            // layouts' world seed and the renders' noise seed
  int reference_samples = 400;      // generated pictures the classifier's class means come from
  // Pixels of each region's border the judge leaves out, 0 … 16: the judge forgives a generated edge that
  // far off. The README's figures use 3; bench/default-model/judge-border/ compares 5.
  int border = 3;
  torch::Device device = torch::kCPU;
  std::filesystem::path out;        // if set: contact sheet (sheet.png), report (eval.json), layouts/
  ClassPhrasings phrasings;         // classes named here are prompted with these phrasings in turn
  // How the layouts are rendered. The defaults are the stream's schedule through the one-shot region
  // pipeline and the full VAE (what an export makes), with the guidance and bootstrapping of the built-in
  // model's examples (palette/world.h); the others measure what a model does under other settings.
  Sampler sampler = Sampler::lcm_stream;  // lcm or lcm_stream (what the region pipeline runs)
  int steps = kLcmStreamSteps;
  double guidance = kBuiltInModelGuidance;
  int bootstrap_steps = kBuiltInModelBootstrapSteps;  // RegionSampling::bootstrap_steps
  double cover_alpha = RegionSampling{}.cover_alpha;  // a layer's weight under later ones (≤ 0: no covering)
  // Judge the live picture instead: the stream engine's settled frame as the app shows it while painting on
  // `device` (palette/document_requests.h, live_picture_settings: on a CPU regional attention, at most 3
  // LCM steps, no guidance, a canvas halved to a side of at most 256 and shown upscaled), decoded as the app decodes it;
  // upscaled bilinearly to `size` as the window's texture shows it.
  bool live = false;
  std::function<void(const std::string&)> log;  // one line per layout; may be empty
};

struct EvalRegion {
  std::string layout;      // "coast-0", …
  std::string painted;     // class name the region was painted with
  std::string predicted;   // the classifier's answer on the generated picture
  std::string reference;   // its answer on the world's own picture of the layout (an upper bound)
  std::string autoencoded;  // … on that picture through the model's autoencoder (what its decoder can show)
  int64_t pixels = 0;
  std::string prompt;      // what the region's layer was prompted with
  // What the classifier saw of the region (its border left out): mean R, G, B (0–1), the luminance's spread and
  // its mean step to the right and downwards neighbours, in the generated picture and in the world's own. A
  // miss reads from them: darker, another hue, more texture, or the background inside the region.
  std::array<float, 6> generated_features{}, world_features{};
};

struct EvalClass {
  std::string name;
  int regions = 0;          // judged regions painted with this class
  int right = 0;            // of them, classified as painted in the generated pictures
  int reference_right = 0;  // … in the world's own pictures
  int autoencoded_right = 0;  // … in those pictures through the model's autoencoder
};

struct EvalReport {
  std::vector<EvalRegion> regions;
  double accuracy = 0;            // generated pictures: share of regions classified as painted
  double reference_accuracy = 0;  // the world's own pictures of the same layouts
  double autoencoded_accuracy = 0;  // those pictures encoded and decoded by the model's autoencoder: the
                                    // ceiling its decoder sets on what any UNet can reach
  double block_accuracy = 0;      // generated: share of 16×16 blocks inside one region classified as painted
  double chance = 0;              // 1 / number of classes
  double majority = 0;            // share of the most common painted class among the regions
  int unjudged = 0;               // regions large enough to judge but under 16 pixels once their border is left out
  double seconds = 0;
  double guidance = 1;            // the guidance the pictures were sampled with (--live on a CPU: ≤ 1)
  std::vector<EvalClass> per_class;  // the classes that were painted, in WorldClass order
  Image sheet;                    // rows of [class map | world picture | generated picture]
};

// Renders the layouts with the one-shot region pipeline (LCM, the stream's schedule, the options' guidance
// and bootstrapping) and
// classifies each painted region of the result by its mean colour and texture (nearest class mean, the
// means measured on the world's own pictures, never on the model's). Throws palette::Error for bad
// options or a model that does not load.
EvalReport eval_default(const EvalOptions& options);

}  // namespace palette
