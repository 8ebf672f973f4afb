#include <cmath>
#include <set>
#include <sstream>

#include "io/checkpoint_layout.h"
#include "io/json_config.h"
#include "io/lora.h"
#include "kernels/fused_ops.h"
#include "models/assets.h"
#include "models/cuda_graph.h"
#include "models/device_caps.h"
#include "models/model_parts.h"
#include "models/out_of_memory.h"
#include "palette/error.h"
#include "palette/safetensors.h"

namespace palette {

namespace {

namespace fs = std::filesystem;

struct Weights {
  TensorMap tensors;
  std::string source;
  std::string stored_dtype;  // "F16", or "F16+F32" when mixed
};

std::string stored_dtypes(const SafetensorsFile& st) {
  std::set<std::string> dtypes;
  for (const auto& e : st.entries()) dtypes.insert(safetensors_dtype_name(e.dtype));
  std::string joined;
  for (const auto& d : dtypes) joined += (joined.empty() ? "" : "+") + d;
  return joined;
}

Weights read_weights(const fs::path& file) {
  const auto st = SafetensorsFile::open(file);
  return {st.load_all(), file.string(), stored_dtypes(st)};
}

// The first of `names` that exists in `dir`; a clear error otherwise (pickled .bin weights cannot
// be read safely and are named as such).
fs::path weights_file(const fs::path& dir, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (fs::exists(dir / n)) return dir / n;
  for (const auto& e : fs::directory_iterator(dir, fs::directory_options::skip_permission_denied))
    if (e.path().extension() == ".bin" || e.path().extension() == ".ckpt")
      throw Error("'" + e.path().string() + "': PyTorch pickle weights are not supported; convert them to .safetensors");
  throw Error("'" + dir.string() + "': no weights file (looked for " + names.front() + ")");
}

fs::path require_dir(const fs::path& dir, const std::string& what) {
  if (!fs::is_directory(dir)) throw Error("'" + dir.string() + "': missing " + what + " folder");
  return dir;
}

void validate(const fs::path& path, const ModelOptions& o) {
  if (!fs::exists(path)) throw Error("'" + path.string() + "': no such model file or folder");
  if (o.dtype != torch::kFloat32 && o.dtype != torch::kFloat16 && o.dtype != torch::kBFloat16)
    throw Error("model dtype must be float32, float16 or bfloat16, not " + std::string(c10::toString(o.dtype)));
  if (o.dtype != torch::kFloat32 && !o.device.is_cuda())
    throw Error(std::string(c10::toString(o.dtype)) + " weights need a CUDA device; on the CPU use float32");
  if (o.device.is_cuda() && !torch::cuda::is_available()) throw Error("CUDA was requested but no CUDA device is usable");
  for (const auto& lora : o.loras) {
    if (!std::isfinite(lora.scale) || std::abs(lora.scale) > kMaxLoraScale) {
      std::ostringstream scale;
      scale << lora.scale;
      throw Error("'" + lora.path.string() + "': LoRA scale " + scale.str() + " must be a finite number in [-" +
                  std::to_string(int(kMaxLoraScale)) + ", " + std::to_string(int(kMaxLoraScale)) + "]");
    }
    if (!fs::is_regular_file(lora.path)) throw Error("'" + lora.path.string() + "': LoRA file not found");
  }
  if (!o.config_dir.empty()) require_dir(o.config_dir, "config");
  if (!o.taesd.empty()) require_dir(o.taesd, "TAESD");
}

template <class Module, class Config>
Module build(const JsonConfig& config, const Weights& w, const ModelOptions& o) {
  Module module(Config::from_json(config));
  module->to(o.dtype);  // store in the compute dtype straight away: half the memory while loading
  if constexpr (std::is_same_v<Module, ClipTextModel>) {
    load_clip_text_weights(*module, w.tensors, w.source);
  } else {
    load_weights(*module, w.tensors, w.source);
  }
  with_memory_errors([&] { module->to(o.device); });  // where a model meets a GPU too small for it
  module->eval();
  return module;
}

std::string joined(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "/" : "") + std::to_string(v[i]);
  return s;
}

ComponentInfo describe(const std::string& name, const Weights& w, const torch::nn::Module& m, std::string arch) {
  return {name, w.source, w.stored_dtype, parameter_count(m), std::move(arch)};
}

std::string unet_summary(const UNetConfig& c) {
  return "blocks " + joined(c.block_out_channels) + ", " + std::to_string(c.layers_per_block[0]) +
         " layers per block, heads " + joined(c.attention_heads) + ", cross-attention " +
         std::to_string(c.cross_attention_dim[0]) + (c.use_linear_projection ? ", linear projection" : ", conv projection") +
         (c.time_cond_proj_dim > 0 ? ", guidance embedding" : "") + (c.text_time_embedding() ? ", text-time embedding" : "");
}

std::string text_encoder_summary(const ClipTextConfig& c) {
  return std::to_string(c.num_hidden_layers) + " layers, width " + std::to_string(c.hidden_size) + ", " +
         std::to_string(c.num_attention_heads) + " heads, " + c.hidden_act +
         (c.projection_dim > 0 ? ", projection " + std::to_string(c.projection_dim) : "");
}

ModelFamily family_of(const JsonConfig& unet, const JsonConfig& text) {
  const int64_t cross = unet.raw().value("cross_attention_dim", nlohmann::json(768)).is_number_integer()
                            ? unet.raw().value("cross_attention_dim", int64_t(768))
                            : 0;
  if (cross == 768) return ModelFamily::Sd1;
  if (cross == 1024) return ModelFamily::Sd2;
  return text.string("hidden_act", "quick_gelu") == "gelu" ? ModelFamily::Sd2 : ModelFamily::Sd1;
}

// The pieces every layout produces before the networks are built.
struct Sources {
  ModelFamily family = ModelFamily::Sd1;
  JsonConfig unet_config{{}, ""}, vae_config{{}, ""}, text_config{{}, ""};
  Weights unet, vae, text;
  fs::path tokenizer_dir;  // empty: the bundled CLIP vocabulary
  nlohmann::json scheduler;
  // SDXL only: the second text encoder and its tokenizer
  JsonConfig text_2_config{{}, ""};
  Weights text_2;
  fs::path tokenizer_2_dir;
  bool force_zeros_for_empty_prompt = false;
};

// A folder without model_index.json is not a diffusers pipeline; say so in those words (rather than
// "cannot open config file"), and point at a checkpoint file when the folder holds one.
void require_pipeline_folder(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "model_index.json", ec)) return;
  // The first few entries only: a folder of a million pictures must not stall the message.
  int looked = 0;
  for (auto it = fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::directory_iterator() && looked < 10000; it.increment(ec), ++looked) {
    if (it->path().extension() == ".safetensors")
      throw Error("'" + dir.string() + "': no model_index.json here, so not a diffusers model folder; for a "
                  "single-file checkpoint, give the file itself ('" + it->path().string() + "')");
  }
  throw Error("'" + dir.string() +
              "': no model_index.json and no .safetensors here: not a diffusers model folder");
}

Sources from_folder(const fs::path& dir) {
  Sources s;
  require_pipeline_folder(dir);
  const JsonConfig index = JsonConfig::load(dir / "model_index.json");  // validates that this is a pipeline folder
  // Families this engine does not run yet, named before a missing or odd part makes the error obscure.
  const nlohmann::json& class_name = index.raw().contains("_class_name") ? index.raw()["_class_name"] : nlohmann::json();
  const std::string pipeline = class_name.is_string() ? class_name.get<std::string>() : std::string();
  if (!fs::exists(dir / "unet") && fs::exists(dir / "transformer"))
    throw Error("'" + dir.string() + "': a transformer-based model (" + (pipeline.empty() ? "transformer/" : pipeline) +
                ", such as SD3 or Flux), not Stable Diffusion 1.x, 2.x or SDXL");
  const bool xl = fs::exists(dir / "text_encoder_2") || pipeline.find("XL") != std::string::npos;
  if (xl) {
    const std::string what = "'" + dir.string() + "': an SDXL model (" + (pipeline.empty() ? "text_encoder_2/" : pipeline) + ")";
    if (!fs::exists(dir / "text_encoder"))
      throw Error(what + " without text_encoder/ (an SDXL refiner?): text to image needs both text encoders");
    if (!fs::exists(dir / "text_encoder_2")) throw Error(what + " without text_encoder_2/: SDXL needs both text encoders");
    if (!fs::exists(dir / "tokenizer_2")) throw Error(what + " without tokenizer_2/ for its second text encoder");
  }
  const auto unet = require_dir(dir / "unet", "unet"), vae = require_dir(dir / "vae", "vae");
  const auto text = require_dir(dir / "text_encoder", "text_encoder");
  s.unet_config = JsonConfig::load(unet / "config.json");
  s.vae_config = JsonConfig::load(vae / "config.json");
  s.text_config = JsonConfig::load(text / "config.json");
  s.scheduler = JsonConfig::load(require_dir(dir / "scheduler", "scheduler") / "scheduler_config.json").raw();
  s.tokenizer_dir = require_dir(dir / "tokenizer", "tokenizer");
  s.family = family_of(s.unet_config, s.text_config);
  s.unet = read_weights(weights_file(unet, {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"}));
  s.vae = read_weights(weights_file(vae, {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"}));
  s.text = read_weights(weights_file(text, {"model.safetensors", "model.fp16.safetensors"}));
  if (xl) {
    s.family = ModelFamily::Sdxl;
    const auto text_2 = require_dir(dir / "text_encoder_2", "text_encoder_2");
    s.text_2_config = JsonConfig::load(text_2 / "config.json");
    s.text_2 = read_weights(weights_file(text_2, {"model.safetensors", "model.fp16.safetensors"}));
    s.tokenizer_2_dir = require_dir(dir / "tokenizer_2", "tokenizer_2");
    s.force_zeros_for_empty_prompt = index.raw().value("force_zeros_for_empty_prompt", true);
  }
  return s;
}

Sources from_single_file(const fs::path& file, const fs::path& config_dir) {
  const Weights all = read_weights(file);
  if (!checkpoint::is_original_layout(all.tensors))
    throw Error("'" + file.string() + "': not a Stable Diffusion checkpoint (no model.diffusion_model.* tensors)");
  auto parts = checkpoint::from_original(all.tensors, all.source);
  if (parts.text_layout == checkpoint::TextEncoderLayout::None)
    throw Error("'" + file.string() + "': no text encoder (cond_stage_model.* or conditioner.*) in this checkpoint");
  if (parts.vae.empty()) throw Error("'" + file.string() + "': no VAE (first_stage_model.*) in this checkpoint");
  Sources s;
  switch (parts.text_layout) {
    case checkpoint::TextEncoderLayout::OpenClipSd2: s.family = ModelFamily::Sd2; break;
    case checkpoint::TextEncoderLayout::SdxlPair: s.family = ModelFamily::Sdxl; break;
    default: s.family = ModelFamily::Sd1; break;
  }
  const bool xl = s.family == ModelFamily::Sdxl;
  s.unet = {std::move(parts.unet), all.source, all.stored_dtype};
  s.vae = {std::move(parts.vae), all.source, all.stored_dtype};
  s.text = {std::move(parts.text_encoder), all.source, all.stored_dtype};
  if (xl) {
    s.text_2 = {std::move(parts.text_encoder_2), all.source, all.stored_dtype};
    s.force_zeros_for_empty_prompt = true;  // as SDXL base's model_index.json says
  }
  if (!config_dir.empty()) {
    s.unet_config = JsonConfig::load(config_dir / "unet" / "config.json");
    s.vae_config = JsonConfig::load(config_dir / "vae" / "config.json");
    s.text_config = JsonConfig::load(config_dir / "text_encoder" / "config.json");
    s.scheduler = JsonConfig::load(config_dir / "scheduler" / "scheduler_config.json").raw();
    s.tokenizer_dir = config_dir / "tokenizer";
    if (xl) {
      s.text_2_config = JsonConfig::load(config_dir / "text_encoder_2" / "config.json");
      s.tokenizer_2_dir = config_dir / "tokenizer_2";
      if (fs::exists(config_dir / "model_index.json"))
        s.force_zeros_for_empty_prompt =
            JsonConfig::load(config_dir / "model_index.json").raw().value("force_zeros_for_empty_prompt", true);
    }
  } else {
    const std::string detected = "configuration detected from '" + all.source + "'";
    int64_t pooled = 0;
    if (xl) {
      s.text_2_config = JsonConfig(detect_text_encoder_2_config(s.text_2.tensors, all.source), detected);
      pooled = s.text_2_config.raw().value("projection_dim", int64_t{0});
    }
    s.unet_config = JsonConfig(detect_unet_config(s.unet.tensors, s.family, all.source, pooled), detected);
    s.vae_config = JsonConfig(detect_vae_config(s.vae.tensors, s.family, all.source), detected);
    s.text_config = JsonConfig(detect_text_encoder_config(s.text.tensors, s.family, all.source), detected);
    s.scheduler = default_scheduler_config(s.family);
  }
  return s;
}

}  // namespace

torch::Dtype vae_dtype(ModelFamily family, const ModelOptions& options, bool force_upcast) {
  // SDXL's VAE overflows in float16 (its config says force_upcast): bfloat16 has float32's range at
  // float16's cost where the GPU runs it natively, else float32 as diffusers' upcast_vae. SD 1.x/2.x VAEs
  // say force_upcast too, but run in float16 in diffusers' own pipelines.
  if (family != ModelFamily::Sdxl || options.dtype != torch::kFloat16 || !force_upcast) return options.dtype;
  return has_native_bfloat16(options.device) ? torch::kBFloat16 : torch::kFloat32;
}

namespace {

std::shared_ptr<const ClipTokenizer> make_tokenizer(const fs::path& dir, ModelFamily family) {
  if (!dir.empty()) return std::make_shared<const ClipTokenizer>(ClipTokenizer::from_folder(dir));
  return bundled_clip_tokenizer(family);
}

}  // namespace

GaussianPosterior WhitePosteriors::get(int64_t height, int64_t width,
                                       const std::function<GaussianPosterior()>& encode) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->height == height && it->width == width) {
        entries_.splice(entries_.begin(), entries_, it);
        return entries_.front().posterior;
      }
  }
  // Two threads asking for a new size at once both encode; the later one's result is kept.
  const GaussianPosterior posterior = encode();
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.remove_if([&](const Entry& e) { return e.height == height && e.width == width; });
  entries_.push_front({height, width, posterior});
  constexpr size_t kSizes = 4;
  if (entries_.size() > kSizes) entries_.pop_back();
  return posterior;
}

std::shared_ptr<const ClipTokenizer> bundled_clip_tokenizer(ModelFamily family) {
  const fs::path assets = assets_folder();
  ClipTokenizerOptions options;
  if (family == ModelFamily::Sd2) options.pad_token = "!";  // as SD 2.x's tokenizer_config.json says
  return std::make_shared<const ClipTokenizer>(
      ClipTokenizer::from_files(assets / "clip-tokenizer" / "vocab.json", assets / "clip-tokenizer" / "merges.txt", options));
}

Model Model::load(const fs::path& path, const ModelOptions& options) {
  validate(path, options);
  const EagerGpuWork gpu_work(options.device);  // a live stream of another model records no graphs meanwhile
  Sources s = fs::is_directory(path) ? from_folder(path) : from_single_file(path, options.config_dir);

  auto info = std::make_shared<ModelInfo>();
  info->family = family_name(s.family);
  info->format = fs::is_directory(path) ? "diffusers folder" : "single file (original layout)";
  info->device = options.device.str();
  info->dtype = c10::toString(options.dtype);
  if (s.scheduler.is_object() && s.scheduler.value("_class_name", std::string()) == "LCMScheduler")
    info->native = {Sampler::lcm, 5, 1.0};
  if (s.family == ModelFamily::Sdxl) info->native.side = 1024;
  for (const auto& lora : options.loras) {
    const Weights l = read_weights(lora.path);
    const bool sdxl = s.family == ModelFamily::Sdxl;
    const auto r = merge_lora(l.tensors, l.source, lora.scale,
                              {s.unet.tensors, s.text.tensors, sdxl ? &s.text_2.tensors : nullptr});
    std::ostringstream line;
    line << lora.path.string() << " (scale " << lora.scale << "): " << r.unet_layers << " UNet and "
         << r.text_encoder_layers << (sdxl ? " + " + std::to_string(r.text_encoder_2_layers) : std::string())
         << " text-encoder weights";
    info->loras.push_back(line.str());
  }

  auto parts = std::make_shared<ModelParts>();
  parts->family = s.family;
  parts->device = options.device;
  parts->dtype = options.dtype;
  parts->scheduler_config = s.scheduler;
  parts->tokenizer = make_tokenizer(s.tokenizer_dir, s.family);
  parts->text_encoder = build<ClipTextModel, ClipTextConfig>(s.text_config, s.text, options);
  parts->unet = build<UNet2DConditionModel, UNetConfig>(s.unet_config, s.unet, options);
  ModelOptions vae_options = options;
  vae_options.dtype = vae_dtype(s.family, options, s.vae_config.boolean("force_upcast", true));
  parts->vae = build<AutoencoderKL, AutoencoderKLConfig>(s.vae_config, s.vae, vae_options);
  if (s.family == ModelFamily::Sdxl) {
    // Without a tokenizer_2/ folder (a single file): the bundled vocabulary, padded with "!" as OpenCLIP's is.
    parts->tokenizer_2 = make_tokenizer(s.tokenizer_2_dir, ModelFamily::Sd2);
    parts->text_encoder_2 = build<ClipTextModel, ClipTextConfig>(s.text_2_config, s.text_2, options);
    parts->force_zeros_for_empty_prompt = s.force_zeros_for_empty_prompt;
    if (parts->text_encoder_2->config().projection_dim <= 0)
      throw Error("'" + s.text_2.source + "': SDXL's second text encoder needs a text projection "
                  "(CLIPTextModelWithProjection: projection_dim and text_projection.weight)");
  }

  info->components.push_back(
      describe("text_encoder", s.text, *parts->text_encoder, text_encoder_summary(parts->text_encoder->config())));
  if (parts->text_encoder_2)
    info->components.push_back(describe("text_encoder_2", s.text_2, *parts->text_encoder_2,
                                        text_encoder_summary(parts->text_encoder_2->config())));
  info->components.push_back(describe("unet", s.unet, *parts->unet, unet_summary(parts->unet->config())));
  const auto& vc = parts->vae->config();
  info->components.push_back(describe("vae", s.vae, *parts->vae,
                                      "blocks " + joined(vc.block_out_channels) + ", scaling factor " +
                                          std::to_string(vc.scaling_factor)));
  // A folder may bring its own tiny decoder (the built-in model does): taesd/ beside unet/ and vae/.
  fs::path taesd = options.taesd;
  std::error_code no_taesd;
  if (taesd.empty() && fs::is_directory(path) && fs::is_regular_file(path / "taesd" / "config.json", no_taesd))
    taesd = path / "taesd";
  if (!taesd.empty()) {
    parts->taesd = load_taesd(taesd, torch::dtype(options.dtype).device(options.device));
    with_memory_errors([&] { fused::use_kernels(*parts->taesd, options.fused_kernels); });
    const fs::path file = taesd / "diffusion_pytorch_model.safetensors";
    info->components.push_back({"taesd", file.string(), stored_dtypes(SafetensorsFile::open(file)),
                                parameter_count(*parts->taesd), "tiny autoencoder"});
  }

  // Frozen: SyncDiffusion differentiates through the networks w.r.t. its latents only; frozen weights
  // keep autograd from recording their gradients, or writing .grad into weights other threads share.
  for (const auto& p : parts->text_encoder->parameters()) p.set_requires_grad(false);
  if (parts->text_encoder_2)
    for (const auto& p : parts->text_encoder_2->parameters()) p.set_requires_grad(false);
  for (const auto& p : parts->unet->parameters()) p.set_requires_grad(false);
  for (const auto& p : parts->vae->parameters()) p.set_requires_grad(false);
  with_memory_errors([&] {  // channels-last copies of the weights on the device
    fused::use_kernels(*parts->unet, options.fused_kernels);
    fused::use_kernels(*parts->vae, options.fused_kernels);
  });
  if (parts->taesd)
    for (const auto& p : parts->taesd->parameters()) p.set_requires_grad(false);

  Model model;
  model.parts_ = std::move(parts);
  model.info_ = std::move(info);
  return model;
}

}  // namespace palette
