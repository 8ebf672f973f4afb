// The CLIP text encoder of Stable Diffusion 1.x / 2.x (transformers' CLIPTextModel): token ids in,
// one embedding per token out, which the UNet's cross-attention reads.
//
//   auto encoder = palette::load_clip_text_model("sd15/text_encoder", torch::dtype(torch::kFloat32));
//   torch::NoGradGuard no_grad;
//   torch::Tensor cond = encoder->encode(ids);                 // (B, 77, hidden), SD's conditioning
//   torch::Tensor skip2 = encoder->encode(ids, /*clip_skip=*/2);  // "clip skip 2"
//
// Failures: configs and checkpoints that do not fit throw palette::Error naming the file and the
// key or tensor; malformed input ids throw palette::Error naming the problem.
// Thread safety: a loaded model holds no per-call state; forward/encode may run from several
// threads at once. Loading, to() and load_clip_text_weights must not overlap with anything else.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "io/json_config.h"
#include "models/module_weights.h"

namespace palette {

struct ClipTextConfig {
  std::string hidden_act = "quick_gelu";  // "quick_gelu" (SD 1.x) or "gelu" (SD 2.x)
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_attention_heads = 12;
  int64_t num_hidden_layers = 12;
  int64_t max_position_embeddings = 77;
  int64_t vocab_size = 49408;
  double layer_norm_eps = 1e-5;
  int64_t eos_token_id = 49407;  // end of text: where the pooled embedding is read
  // > 0: transformers' CLIPTextModelWithProjection (SDXL's second text encoder): a bias-free
  // text_projection to this width, for the pooled embedding. Read from "projection_dim" when
  // "architectures" names CLIPTextModelWithProjection.
  int64_t projection_dim = 0;

  // Reads text_encoder/config.json. The four size keys that define the architecture are required;
  // the others fall back to transformers' defaults. Throws palette::Error naming the file and the
  // key when one is missing, mistyped or out of range (e.g. heads that do not divide hidden_size).
  static ClipTextConfig from_json(const JsonConfig& json);
};

// The outputs the fixtures and the pipelines need, all (batch, tokens, hidden_size) in the
// model's dtype and on its device.
struct ClipTextOutput {
  torch::Tensor last_hidden_state;         // after every layer and the final layer norm
  torch::Tensor penultimate_hidden_state;  // hidden_states[-2]: before the last layer, no final norm
  // With a text_projection: the projected last_hidden_state at each row's first end-of-text token
  // (the highest id, 49407), (B, projection_dim); undefined without one.
  torch::Tensor text_embeds;
};

class ClipEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit ClipEmbeddingsImpl(const ClipTextConfig& config);
  torch::Tensor forward(const torch::Tensor& input_ids);  // (B, L) int64 -> (B, L, hidden)

  torch::nn::Embedding token_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
};
TORCH_MODULE(ClipEmbeddings);

class ClipAttentionImpl : public torch::nn::Module {
 public:
  explicit ClipAttentionImpl(const ClipTextConfig& config);
  torch::Tensor forward(const torch::Tensor& x);  // causal self-attention, (B, L, hidden)

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};

 private:
  int64_t heads_;
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
 public:
  explicit ClipMlpImpl(const ClipTextConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};

 private:
  bool quick_gelu_;
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  explicit ClipEncoderLayerImpl(const ClipTextConfig& config);
  torch::Tensor forward(const torch::Tensor& x);  // pre-norm residual block, shape preserved

  ClipAttention self_attn{nullptr};
  torch::nn::LayerNorm layer_norm1{nullptr};
  ClipMlp mlp{nullptr};
  torch::nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipEncoderImpl : public torch::nn::Module {
 public:
  explicit ClipEncoderImpl(const ClipTextConfig& config);

  torch::nn::ModuleList layers{nullptr};  // of ClipEncoderLayer
};
TORCH_MODULE(ClipEncoder);

// transformers' CLIPTextTransformer: the part whose tensors are named text_model.*.
class ClipTextTransformerImpl : public torch::nn::Module {
 public:
  explicit ClipTextTransformerImpl(const ClipTextConfig& config);

  ClipEmbeddings embeddings{nullptr};
  ClipEncoder encoder{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(ClipTextTransformer);

class ClipTextModelImpl : public torch::nn::Module {
 public:
  explicit ClipTextModelImpl(const ClipTextConfig& config);

  // input_ids: (B, L) int64 on the model's device, 1 <= L <= max_position_embeddings, every id in
  // [0, vocab_size). Returns both hidden states the fixtures and "clip skip" need, in the model's
  // dtype. Throws palette::Error for ids of the wrong shape, dtype or range.
  ClipTextOutput forward(const torch::Tensor& input_ids);

  // The conditioning Stable Diffusion pipelines feed the UNet: hidden_states[-clip_skip] followed
  // by the final layer norm (the A1111 convention: 1 = last layer, as diffusers' default; 2 = the
  // penultimate layer). Layers after the chosen one are not run. (B, L, hidden) in the model's
  // dtype. Throws palette::Error unless 1 <= clip_skip <= num_hidden_layers, or for bad ids.
  torch::Tensor encode(const torch::Tensor& input_ids, int64_t clip_skip = 1);

  const ClipTextConfig& config() const { return config_; }

  ClipTextTransformer text_model{nullptr};
  torch::nn::Linear text_projection{nullptr};  // with config.projection_dim > 0 only

 private:
  // Runs the embeddings and the first `layers` encoder layers; no final norm.
  torch::Tensor run_layers(const torch::Tensor& input_ids, int64_t layers);
  void check_ids(const torch::Tensor& input_ids) const;

  ClipTextConfig config_;
};
TORCH_MODULE(ClipTextModel);

// Copies a text encoder checkpoint into `model`. Accepts both spellings that exist in the wild:
// names with transformers' "text_model." prefix and names without it (text_projection.* is never
// prefixed); a position_ids buffer is ignored. Throws palette::Error naming `source` and the tensor on any mismatch, leaving `model`
// untouched.
void load_clip_text_weights(ClipTextModelImpl& model, const TensorMap& tensors, const std::string& source);

// Reads `folder`/config.json (validated before any weight is read) and `folder`/model.safetensors,
// and returns a model in eval mode converted to `options`' dtype and device (float32 / CPU where
// unset). The caller owns the result. Throws palette::Error naming the file at fault.
ClipTextModel load_clip_text_model(const std::filesystem::path& folder,
                                   const torch::TensorOptions& options = {});

}  // namespace palette
