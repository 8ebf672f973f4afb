// A loaded Stable Diffusion model: tokenizer, text encoder, UNet, VAE and optionally TAESD, on one
// device in one dtype. Load once, then share it between any number of renders and engines.
//
//   palette::ModelOptions options;
//   options.device = torch::kCUDA;
//   options.dtype = torch::kHalf;
//   options.loras = {{"lcm-lora-sdv1-5.safetensors", 1.0}};
//   palette::Model model = palette::Model::load("v1-5-pruned-emaonly.safetensors", options);
//   std::cout << model.info().family << "\n";                      // "SD 1.x"
//
// Accepted: a diffusers folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/,
// scheduler/) or one .safetensors file in the original layout (SD 1.x with CLIP, SD 2.x with
// OpenCLIP), whose architecture is detected from its tensor names and shapes.
// Failures: Model::load throws palette::Error naming the file and the tensor, key or problem
// (missing or unexpected tensor, wrong shape, unknown architecture, unreadable config, a LoRA that
// does not fit). Options are validated before any weight is read. Nothing partly loaded is returned.
// Loading onto a GPU beside a live stream behaves as render_regions does (palette/regions.h).
// Thread safety: a Model is immutable once loaded; copies share the weights; it may be used from
// several threads at once as long as each pipeline keeps its own per-run state.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "palette/sampler.h"

namespace palette {

// A LoRA scale outside ±kMaxLoraScale (or NaN) is refused: beyond it the merged weights are noise.
constexpr double kMaxLoraScale = 10;

struct LoraFile {
  std::filesystem::path path;
  double scale = 1.0;  // multiplies the LoRA's delta (1 = as trained); finite, |scale| ≤ kMaxLoraScale
};

struct ModelOptions {
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;   // every network's compute dtype; float16 / bfloat16 need CUDA
  std::filesystem::path config_dir;       // single file: read config.json files and tokenizer from this
                                          // diffusers folder instead of detecting them
  std::filesystem::path taesd;            // optional TAESD (diffusers AutoencoderTiny folder) for live frames
  std::vector<LoraFile> loras;            // merged into the UNet / text encoder weights at load
  bool fused_kernels = true;              // the engine's own fused CUDA kernels where they apply (a build
                                          // with them, CUDA, inference); false: ATen's operations only,
                                          // for before/after measurements. Results agree within rounding.
};

struct ComponentInfo {
  std::string name;          // "text_encoder", "text_encoder_2" (SDXL), "unet", "vae", "taesd"
  std::string source;        // the file its weights came from
  std::string stored_dtype;  // dtype(s) of the weights in the file, e.g. "F16"
  int64_t parameters = 0;
  std::string architecture;  // one line, e.g. "blocks 320/640/1280/1280, 2 layers per block, …"
};

// How a model is meant to sample when the user says nothing: its scheduler and the steps and guidance that
// go with it. A model whose scheduler is an LCMScheduler (the built-in default model, LCM-distilled models)
// runs LCM with 5 steps and no CFG; any other, its own scheduler with 25 steps and CFG 7.5.
struct NativeSettings {
  std::optional<Sampler> sampler;  // nullopt = the model's own scheduler
  int steps = 25;
  double guidance = 7.5;
  int side = 512;  // the picture side the family was trained at: 1024 for SDXL, else 512
};

struct ModelInfo {
  std::string family;   // "SD 1.x", "SD 2.x" or "SDXL"
  std::string format;   // "diffusers folder", "single file (original layout)" or "random weights (seed N)"
  std::string device;   // e.g. "cpu", "cuda:0"
  std::string dtype;    // compute dtype, e.g. "Float"
  std::vector<ComponentInfo> components;
  std::vector<std::string> loras;  // one line per merged LoRA
  NativeSettings native;
};

// The built-in default model, which every command and the app use when no model is given: the folder
// default-model/ of the bundled assets ($PALETTE_ASSETS when set; else found from the running program:
// the source tree's assets/ for a build inside it, <prefix>/share/semantic-palette for an installed one).
std::filesystem::path builtin_model_folder();

// The configurations Model::random builds from: diffusers config.json contents for each network.
struct RandomModelConfigs {
  nlohmann::json unet, vae, text_encoder, scheduler;  // scheduler may be null: the family's default
  nlohmann::json text_encoder_2;                      // SDXL's second text encoder; null for SD 1.x/2.x
  bool taesd = true;                                  // add a TAESD (SD's tiny autoencoder shapes)
  uint64_t seed = 0;                                  // weights are drawn from this seed

  // Stable Diffusion 1.5's shapes: UNet 320/640/1280/1280 with 768-wide cross-attention and 8 heads,
  // VAE 128/256/512/512, CLIP ViT-L/14 text encoder (12 layers, width 768), TAESD.
  static RandomModelConfigs sd15();
  // SDXL's shapes: UNet 320/640/1280 with transformer depths 1/2/10, 2048-wide cross-attention and the
  // text_time embedding; CLIP ViT-L/14 beside OpenCLIP ViT-bigG/14 with its 1280 projection; the SDXL VAE.
  static RandomModelConfigs sdxl();
};

struct ModelParts;  // the networks themselves (src/models/model_parts.h)

class Model {
 public:
  // Loads the model at `path` (folder or .safetensors file). See the header comment for failures.
  static Model load(const std::filesystem::path& path, const ModelOptions& options = {});

  // A model of the given shapes with random weights, built in memory (no file is read or written):
  // speed does not depend on the weights' values, so benchmarks run on it. Pictures are noise.
  // options.config_dir, taesd and loras must be empty. Throws palette::Error for invalid configs or
  // options, like load.
  static Model random(const RandomModelConfigs& configs, const ModelOptions& options = {});

  const ModelInfo& info() const { return *info_; }

 private:
  friend struct ModelInternals;  // the engine's pipelines reach the networks through it (model_parts.h)
  std::shared_ptr<const ModelParts> parts_;
  std::shared_ptr<const ModelInfo> info_;
};

}  // namespace palette
