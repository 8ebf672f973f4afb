#include "pipelines/prompt_encoding.h"

#include <cmath>

#include "models/clip_text/sdxl_text_encoders.h"
#include "models/model_parts.h"
#include "palette/error.h"

namespace palette {

bool uses_classifier_free_guidance(const ModelParts& parts, double guidance) {
  return guidance > 1.0 && parts.unet->config().time_cond_proj_dim <= 0;
}

TextConditioning encode_texts(const ModelParts& parts, const std::vector<std::string>& prompts, int64_t clip_skip) {
  if (prompts.empty()) throw Error("encode_prompts: no prompts given");
  torch::NoGradGuard no_grad;
  if (parts.text_encoder_2) {
    // SDXL reads the penultimate layers already; a further skip is not what its checkpoints expect.
    if (clip_skip != 1)
      throw Error("clip_skip " + std::to_string(clip_skip) + " is not supported for SDXL models (use 1)");
    SdxlTextEncoders encoders{parts.text_encoder, parts.text_encoder_2, parts.tokenizer, parts.tokenizer_2};
    const SdxlTextEmbeddings e = encoders.encode(prompts);
    return {e.hidden.to(parts.dtype), e.pooled.to(parts.dtype)};
  }
  const torch::Tensor ids = parts.tokenizer->encode_batch(prompts).to(parts.device);
  ClipTextModel encoder = parts.text_encoder;  // a non-const handle on the shared, unchanged module
  return {encoder->encode(ids, clip_skip).to(parts.dtype), {}};
}

torch::Tensor encode_prompts(const ModelParts& parts, const std::vector<std::string>& prompts,
                             int64_t clip_skip) {
  return encode_texts(parts, prompts, clip_skip).hidden;
}

namespace {

// [uncond × copies, cond × copies] with an uncond side, [cond × copies] without.
torch::Tensor halves(const torch::Tensor& uncond, const torch::Tensor& cond, int64_t copies) {
  std::vector<int64_t> repeats(size_t(cond.dim()), 1);
  repeats[0] = copies;
  const torch::Tensor c = cond.repeat(repeats);
  return uncond.defined() ? torch::cat({uncond.repeat(repeats), c}) : c;
}

}  // namespace

torch::Tensor PromptEmbeddings::unet_batch(int64_t copies) const { return halves(uncond, cond, copies); }

UNetConditions PromptEmbeddings::unet_conditions(int64_t copies, const torch::Tensor& time_ids,
                                                 const torch::Tensor& timestep_cond) const {
  UNetConditions c{timestep_cond, {}, {}};
  if (pooled_cond.defined()) {
    c.text_embeds = halves(pooled_uncond, pooled_cond, copies);
    c.time_ids = time_ids;
  }
  return c;
}

PromptEmbeddings encode_prompt(const ModelParts& parts, const std::string& prompt,
                               const std::string& negative_prompt, bool cfg, int64_t clip_skip) {
  PromptEmbeddings out;
  if (!cfg) {
    const TextConditioning t = encode_texts(parts, {prompt}, clip_skip);
    out.cond = t.hidden;
    out.pooled_cond = t.pooled;
    return out;
  }
  const TextConditioning both = encode_texts(parts, {negative_prompt, prompt}, clip_skip);
  out.uncond = both.hidden.slice(0, 0, 1);
  out.cond = both.hidden.slice(0, 1, 2);
  if (both.pooled.defined()) {
    out.pooled_uncond = both.pooled.slice(0, 0, 1);
    out.pooled_cond = both.pooled.slice(0, 1, 2);
    // SDXL without a negative prompt: zeros, not the empty prompt's encoding (a given "" is the same
    // string here, so "no negative prompt" is what the empty string means, as for SD 1.x).
    if (negative_prompt.empty() && parts.force_zeros_for_empty_prompt) {
      out.uncond = torch::zeros_like(out.uncond);
      out.pooled_uncond = torch::zeros_like(out.pooled_uncond);
    }
  }
  return out;
}

torch::Tensor sdxl_time_ids(const ModelParts& parts, std::array<int, 2> original_size, std::array<int, 2> crop_top_left,
                            std::array<int, 2> target_size) {
  const auto& c = parts.unet->config();
  const int64_t pooled = parts.text_encoder_2 ? parts.text_encoder_2->config().projection_dim : 0;
  if (!c.text_time_embedding() || pooled + 6 * c.addition_time_embed_dim != c.projection_class_embeddings_input_dim)
    throw Error("the UNet's added embedding takes " + std::to_string(c.projection_class_embeddings_input_dim) +
                " inputs, not the pooled text (" + std::to_string(pooled) + ") and six time ids of " +
                std::to_string(c.addition_time_embed_dim) + " (SDXL's original size, crop and target size)");
  const std::vector<float> ids = {float(original_size[0]), float(original_size[1]), float(crop_top_left[0]),
                                  float(crop_top_left[1]),  float(target_size[0]),   float(target_size[1])};
  return torch::tensor(ids).view({1, 6}).to(parts.device, parts.dtype);
}

torch::Tensor sdxl_crop_time_ids(const torch::Tensor& canvas_ids, const std::vector<std::array<int64_t, 2>>& top_left) {
  std::vector<float> corners;
  for (const auto& [top, left] : top_left) corners.insert(corners.end(), {float(top), float(left)});
  torch::Tensor ids = canvas_ids.repeat({int64_t(top_left.size()), 1});
  ids.slice(1, 2, 4).copy_(torch::tensor(corners).view({-1, 2}));
  return ids;
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
