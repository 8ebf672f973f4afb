#include "cli/model_options.h"

#include <torch/torch.h>

#include "palette/error.h"

namespace palette::cli {

void add_model_options(CLI::App& command, ModelArgs& args) {
  command.add_option("--device", args.device, "cpu, cuda or cuda:N (default: cuda when available)");
  command.add_option("--dtype", args.dtype, "float32, float16 or bfloat16 (default: float16 on CUDA, float32 on CPU)");
  command.add_option("--config-dir", args.config_dir,
                     "For a single .safetensors file: take configs and tokenizer from this diffusers folder");
  command.add_option("--taesd", args.taesd, "TAESD folder (diffusers AutoencoderTiny) for fast previews");
  command.add_option("--lora", args.loras, "LoRA file to merge at load, as FILE or FILE:SCALE with SCALE in [-10, 10] (repeatable)");
}

ModelOptions to_model_options(const ModelArgs& args) {
  ModelOptions o;
  if (args.device == "auto") {
    o.device = torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  } else {
    try {
      o.device = torch::Device(args.device);
    } catch (const c10::Error&) {
      throw Error("--device: unknown device '" + args.device + "' (use cpu, cuda or cuda:N)");
    }
  }
  if (args.dtype == "auto") o.dtype = o.device.is_cuda() ? torch::kHalf : torch::kFloat32;
  else if (args.dtype == "float32" || args.dtype == "fp32") o.dtype = torch::kFloat32;
  else if (args.dtype == "float16" || args.dtype == "fp16") o.dtype = torch::kHalf;
  else if (args.dtype == "bfloat16" || args.dtype == "bf16") o.dtype = torch::kBFloat16;
  else throw Error("--dtype: unknown dtype '" + args.dtype + "' (use float32, float16 or bfloat16)");
  o.config_dir = args.config_dir;
  o.taesd = args.taesd;
  for (const auto& spec : args.loras) {
    LoraFile lora{spec, 1.0};
    const auto colon = spec.rfind(':');
    if (colon != std::string::npos && colon + 1 < spec.size()) {
      try {
        size_t used = 0;
        lora.scale = std::stod(spec.substr(colon + 1), &used);
        if (used != spec.size() - colon - 1) throw std::invalid_argument("trailing");
        lora.path = spec.substr(0, colon);
      } catch (const std::exception&) {
        throw Error("--lora: '" + spec + "' is not FILE or FILE:SCALE with a numeric scale");
      }
    }
    o.loras.push_back(lora);
  }
  return o;
}

}  // namespace palette::cli
