// `palette random-model`: Model::random written out as a diffusers folder with float16 weights, so that a
// machine which can download no pretrained weights can still run the whole loading path (Model::load, fp16
// on CUDA) on a model of Stable Diffusion 1.5's size. The pictures are noise; speed and memory are the real
// model's.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/atomic_write.h"
#include "cli/commands.h"
#include "cli/seed_option.h"
#include "models/model_parts.h"
#include "palette/error.h"
#include "palette/model.h"
#include "training/default_model.h"
#include "training/train_common.h"

namespace palette::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct RandomModelArgs {
  std::string shape = "sd15";
  std::string out;
  uint64_t seed = 0;
  bool no_taesd = false;
};

RandomModelConfigs configs_for(const std::string& shape) {
  if (shape == "sd15") return RandomModelConfigs::sd15();
  if (shape == "sdxl") return RandomModelConfigs::sdxl();
  if (shape == "tiny") {
    // The built-in model's layout at its test size: a folder of a few MB that loads and renders 64² in
    // seconds, for tests of this command and of the paths it feeds.
    const auto spec = training::DefaultModelSpec::tiny();
    RandomModelConfigs c;
    c.unet = training::unet_config_json(spec, 8);
    c.vae = training::vae_config_json(spec, 0.18215);
    c.text_encoder = training::text_encoder_config_json(spec);
    return c;
  }
  throw Error("--shape: unknown shape '" + shape + "' (sd15, sdxl, tiny)");
}

// The TAESD Model::random built, in the AutoencoderTiny config.json that load_taesd reads back.
json taesd_config_json(const TaesdConfig& c) {
  return {{"_class_name", "AutoencoderTiny"},
          {"act_fn", c.act_fn},
          {"decoder_block_out_channels", c.decoder_block_out_channels},
          {"encoder_block_out_channels", c.encoder_block_out_channels},
          {"in_channels", c.in_channels},
          {"latent_channels", c.latent_channels},
          {"num_decoder_blocks", c.num_decoder_blocks},
          {"num_encoder_blocks", c.num_encoder_blocks},
          {"out_channels", c.out_channels},
          {"scaling_factor", c.scaling_factor},
          {"shift_factor", c.shift_factor},
          {"upsample_fn", c.upsample_fn},
          {"upsampling_scaling_factor", c.upsampling_scaling_factor}};
}

void make_folder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error("'" + folder.string() + "': cannot create the folder: " + ec.message());
}

void write_json(const fs::path& path, const json& value) {
  make_folder(path.parent_path());
  const std::string text = value.dump(2) + "\n";
  write_file_atomically(path, [&](std::FILE* out) { write_bytes(out, text.data(), text.size(), path); });
}

// The weights as diffusers' fp16 variants store them; the seed in the metadata says where they came from.
void write_weights(const torch::nn::Module& module, const fs::path& file, uint64_t seed) {
  make_folder(file.parent_path());
  training::save_fp16(module, file, 0, {{"palette_random_seed", std::to_string(seed)}});
}

// Everything Model::load reads from a diffusers folder, into `dir`; model_index.json, which makes it a
// model folder, last.
void write_folder(const Model& model, const RandomModelConfigs& configs, const fs::path& dir) {
  const ModelParts& parts = model_parts(model);
  write_json(dir / "text_encoder" / "config.json", configs.text_encoder);
  write_weights(*parts.text_encoder, dir / "text_encoder" / "model.safetensors", configs.seed);
  const bool xl = bool(parts.text_encoder_2);
  if (xl) {
    write_json(dir / "text_encoder_2" / "config.json", configs.text_encoder_2);
    write_weights(*parts.text_encoder_2, dir / "text_encoder_2" / "model.safetensors", configs.seed);
    training::write_clip_tokenizer(dir / "tokenizer_2", "!");  // SDXL's second tokenizer pads with "!"
  }
  write_json(dir / "unet" / "config.json", configs.unet);
  write_weights(*parts.unet, dir / "unet" / "diffusion_pytorch_model.safetensors", configs.seed);
  write_json(dir / "vae" / "config.json", configs.vae);
  write_weights(*parts.vae, dir / "vae" / "diffusion_pytorch_model.safetensors", configs.seed);
  if (parts.taesd) {
    write_json(dir / "taesd" / "config.json", taesd_config_json(parts.taesd->config()));
    write_weights(*parts.taesd, dir / "taesd" / "diffusion_pytorch_model.safetensors", configs.seed);
  }
  // The scheduler Model::random settled on: the configs' own, or the family's default when they have none.
  write_json(dir / "scheduler" / "scheduler_config.json", parts.scheduler_config);
  training::write_clip_tokenizer(dir / "tokenizer");
  const std::string scheduler = parts.scheduler_config.value("_class_name", std::string("DDIMScheduler"));
  json index = {{"_class_name", xl ? "StableDiffusionXLPipeline" : "StableDiffusionPipeline"},
                {"feature_extractor", {nullptr, nullptr}},
                {"scheduler", {"diffusers", scheduler}},
                {"text_encoder", {"transformers", "CLIPTextModel"}},
                {"tokenizer", {"transformers", "CLIPTokenizer"}},
                {"unet", {"diffusers", "UNet2DConditionModel"}},
                {"vae", {"diffusers", "AutoencoderKL"}}};
  if (xl) {
    index["text_encoder_2"] = {"transformers", "CLIPTextModelWithProjection"};
    index["tokenizer_2"] = {"transformers", "CLIPTokenizer"};
    index["force_zeros_for_empty_prompt"] = true;
  } else {
    index["requires_safety_checker"] = false;
    index["safety_checker"] = {nullptr, nullptr};
  }
  write_json(dir / "model_index.json", index);
}

// Only a new folder (or an empty one) is written: a model already there is never replaced by noise.
fs::path target_folder(const std::string& out) {
  fs::path dir = fs::absolute(out).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "DIR/"
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (!fs::exists(status)) return dir;
  if (!fs::is_directory(status)) throw Error("'" + out + "' exists and is not a folder");
  if (!fs::is_empty(dir, ec) || ec) throw Error("'" + out + "' is not empty; give a new folder for the model");
  return dir;
}

// Removes the half-written folder unless the model got moved into place.
struct PartialFolder {
  fs::path path;
  ~PartialFolder() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

std::string size_text(uintmax_t bytes) {
  char text[32];
  if (bytes >= 1000000000u) {
    std::snprintf(text, sizeof text, "%.2f GB", double(bytes) / 1e9);
  } else if (bytes >= 1000000u) {
    std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.1f kB", double(bytes) / 1e3);
  }
  return text;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void print_files(const fs::path& dir) {
  std::vector<std::pair<std::string, uintmax_t>> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files.emplace_back(entry.path().lexically_relative(dir).string(), entry.file_size());
  std::sort(files.begin(), files.end());
  uintmax_t total = 0;
  for (const auto& [name, bytes] : files) {
    std::printf("  %10s  %s\n", size_text(bytes).c_str(), name.c_str());
    total += bytes;
  }
  std::printf("  %10s  in all\n", size_text(total).c_str());
}

void run_random_model(const RandomModelArgs& args) {
  RandomModelConfigs configs = configs_for(args.shape);
  configs.seed = args.seed;
  configs.taesd = !args.no_taesd;
  const fs::path dir = target_folder(args.out);

  const auto start = Clock::now();
  std::cout << "building a random " << args.shape << " model (seed " << args.seed << ") on the CPU in float32\n"
            << std::flush;
  const Model model = Model::random(configs);
  int64_t parameters = 0;
  for (const auto& c : model.info().components) parameters += c.parameters;
  const double built = seconds_since(start);
  std::printf("built %.1f M parameters in %.1f s; writing float16 weights\n", double(parameters) / 1e6, built);
  std::fflush(stdout);

  make_folder(dir.parent_path());
  // Beside the target, so the final rename stays on one file system; a crash leaves only this name.
  PartialFolder partial{dir.parent_path() / (dir.filename().string() + ".partial-" + std::to_string(::getpid()))};
  std::error_code ec;
  fs::remove_all(partial.path, ec);
  write_folder(model, configs, partial.path);
  fs::rename(partial.path, dir, ec);  // replaces an empty folder; refuses one that filled meanwhile
  if (ec)
    throw Error("'" + dir.string() + "': cannot move the written model there from '" + partial.path.string() +
                "': " + ec.message());
  partial.path.clear();

  std::printf("wrote %s in %.1f s (building %.1f s, writing %.1f s):\n", dir.string().c_str(), seconds_since(start),
              built, seconds_since(start) - built);
  print_files(dir);
}

}  // namespace

void add_random_model_command(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "random-model", "Write a model of real Stable Diffusion shapes with random weights as a diffusers folder");
  auto args = std::make_shared<RandomModelArgs>();
  cmd->add_option("--shape", args->shape,
                  "sd15 (Stable Diffusion 1.5's networks, ~1.1 B parameters), sdxl (SDXL's, ~3.5 B) or tiny (tests)")
      ->capture_default_str();
  cmd->add_option("--out,-o", args->out, "Folder to write: new, or empty (its parent is created if needed)")
      ->required();
  cmd->add_option("--seed,-s", args->seed, "Weight seed 0 … 2^64 − 1: the same seed gives the same weights")
      ->capture_default_str()
      ->check(fixed_seed_check());
  cmd->add_flag("--no-taesd", args->no_taesd, "Leave out taesd/ (the tiny autoencoder for live frames)");
  cmd->callback([args] { run_random_model(*args); });
}

}  // namespace palette::cli
