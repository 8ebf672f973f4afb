#include "pipelines/prompt_encoding.h"

#include <cmath>

#include "models/model_parts.h"
#include "palette/error.h"

namespace palette {

bool uses_classifier_free_guidance(const ModelParts& parts, double guidance) {
  return guidance > 1.0 && parts.unet->config().time_cond_proj_dim <= 0;
}

torch::Tensor encode_prompts(const ModelParts& parts, const std::vector<std::string>& prompts,
                             int64_t clip_skip) {
  if (prompts.empty()) throw Error("encode_prompts: no prompts given");
  const torch::Tensor ids = parts.tokenizer->encode_batch(prompts).to(parts.device);
  ClipTextModel encoder = parts.text_encoder;  // a non-const handle on the shared, unchanged module
  torch::NoGradGuard no_grad;
  return encoder->encode(ids, clip_skip).to(parts.dtype);
}

torch::Tensor PromptEmbeddings::unet_batch(int64_t copies) const {
  const torch::Tensor c = cond.repeat({copies, 1, 1});
  return has_uncond() ? torch::cat({uncond.repeat({copies, 1, 1}), c}) : c;
}

PromptEmbeddings encode_prompt(const ModelParts& parts, const std::string& prompt,
                               const std::string& negative_prompt, bool cfg, int64_t clip_skip) {
  PromptEmbeddings out;
  if (!cfg) {
    out.cond = encode_prompts(parts, {prompt}, clip_skip);
    return out;
  }
  const torch::Tensor both = encode_prompts(parts, {negative_prompt, prompt}, clip_skip);
  out.uncond = both.slice(0, 0, 1);
  out.cond = both.slice(0, 1, 2);
  return out;
}

torch::Tensor apply_guidance(const torch::Tensor& unet_output, double guidance) {
  const int64_t n = unet_output.size(0);
  if (n % 2 != 0)
    throw Error("apply_guidance: a CFG batch needs an even size [uncond; cond], got " + std::to_string(n));
  return apply_guidance(unet_output.slice(0, 0, n / 2), unet_output.slice(0, n / 2), guidance);
}

torch::Tensor apply_guidance(const torch::Tensor& uncond_output, const torch::Tensor& cond_output,
                             double guidance) {
  return uncond_output + guidance * (cond_output - uncond_output);
}

torch::Tensor guidance_condition(const ModelParts& parts, double guidance, int64_t batch) {
  const int64_t dim = parts.unet->config().time_cond_proj_dim;
  if (dim <= 0) return {};
  // Sinusoidal features of w·1000 (VDM's embedding), computed in float32 like the reference.
  const int64_t half = dim / 2;
  const double w = (guidance - 1.0) * 1000.0;
  const double step = std::log(10000.0) / static_cast<double>(half - 1);
  const torch::Tensor freqs = torch::exp(torch::arange(half, torch::kFloat32) * -step);
  const torch::Tensor args = (freqs * w).unsqueeze(0).repeat({batch, 1});
  torch::Tensor emb = torch::cat({torch::sin(args), torch::cos(args)}, 1);
  if (dim % 2 == 1) emb = torch::constant_pad_nd(emb, {0, 1});
  return emb.to(parts.device, parts.dtype);
}

}  // namespace palette
