#include "models/clip_text/clip_text_model.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>

#include "models/attention.h"
#include "models/config_limits.h"
#include "palette/error.h"
#include "palette/safetensors.h"

namespace palette {

namespace {

const char kPrefix[] = "text_model.";

// models/attention.h takes no mask, and CLIP's text tower needs a causal one. On 2.x the fused kernel
// applies it itself; the math path mirrors attention()'s and adds the mask to the scores.
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = torch::matmul(q * scale, k.transpose(-1, -2));
  const auto n = q.size(-2), m = k.size(-2);
  auto future = torch::ones({n, m}, q.options().dtype(torch::kBool)).triu(1);
  // Softmax in float32 as transformers' eager path does, so half precision on CUDA keeps its range.
  auto weights = torch::softmax(scores.masked_fill(future, -INFINITY), -1, torch::kFloat);
  return torch::matmul(weights.to(v.scalar_type()), v);
#endif
}

}  // namespace

ClipTextConfig ClipTextConfig::from_json(const JsonConfig& json) {
  ClipTextConfig c;
  c.hidden_act = json.string("hidden_act", c.hidden_act);
  if (c.hidden_act != "quick_gelu" && c.hidden_act != "gelu")
    json.fail("hidden_act", "must be \"quick_gelu\" or \"gelu\", not \"" + c.hidden_act + "\"");
  c.hidden_size = json.integer("hidden_size");
  c.intermediate_size = json.integer("intermediate_size");
  c.num_attention_heads = json.integer("num_attention_heads");
  c.num_hidden_layers = json.integer("num_hidden_layers");
  c.max_position_embeddings = json.integer("max_position_embeddings", c.max_position_embeddings);
  c.vocab_size = json.integer("vocab_size", c.vocab_size);
  c.layer_norm_eps = json.number("layer_norm_eps", c.layer_norm_eps);
  c.eos_token_id = json.integer("eos_token_id", c.eos_token_id);
  namespace limits = config_limits;
  limits::check(json.where(), "hidden_size", c.hidden_size, limits::kChannels);
  limits::check(json.where(), "intermediate_size", c.intermediate_size, limits::kTextWidth);
  limits::check(json.where(), "num_attention_heads", c.num_attention_heads, limits::kHeads);
  limits::check(json.where(), "num_hidden_layers", c.num_hidden_layers, limits::kTextLayers);
  limits::check(json.where(), "max_position_embeddings", c.max_position_embeddings, limits::kPositions);
  limits::check(json.where(), "vocab_size", c.vocab_size, limits::kVocabulary);
  if (c.hidden_size % c.num_attention_heads != 0)
    json.fail("num_attention_heads", "(" + std::to_string(c.num_attention_heads) +
                                         ") must divide hidden_size (" + std::to_string(c.hidden_size) + ")");
  if (!(c.layer_norm_eps > 0) || !std::isfinite(c.layer_norm_eps))
    json.fail("layer_norm_eps", "must be a finite positive number");
  if (json.has("architectures")) {
    const std::vector<std::string> architectures = json.strings("architectures");
    if (std::find(architectures.begin(), architectures.end(), "CLIPTextModelWithProjection") != architectures.end()) {
      c.projection_dim = json.integer("projection_dim");
      limits::check(json.where(), "projection_dim", c.projection_dim, limits::kChannels);
    }
  }
  return c;
}

ClipEmbeddingsImpl::ClipEmbeddingsImpl(const ClipTextConfig& config) {
  token_embedding =
      register_module("token_embedding", torch::nn::Embedding(config.vocab_size, config.hidden_size));
  position_embedding = register_module(
      "position_embedding", torch::nn::Embedding(config.max_position_embeddings, config.hidden_size));
}

torch::Tensor ClipEmbeddingsImpl::forward(const torch::Tensor& input_ids) {
  // Positions are always 0..L-1 here; checkpoints' position_ids buffer holds exactly that.
  auto positions = torch::arange(input_ids.size(1), input_ids.options().dtype(torch::kLong));
  return token_embedding(input_ids) + position_embedding(positions).unsqueeze(0);
}

ClipAttentionImpl::ClipAttentionImpl(const ClipTextConfig& config) : heads_(config.num_attention_heads) {
  const auto d = config.hidden_size;
  q_proj = register_module("q_proj", torch::nn::Linear(d, d));
  k_proj = register_module("k_proj", torch::nn::Linear(d, d));
  v_proj = register_module("v_proj", torch::nn::Linear(d, d));
  out_proj = register_module("out_proj", torch::nn::Linear(d, d));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x) {
  auto q = split_heads(q_proj(x), heads_);
  auto k = split_heads(k_proj(x), heads_);
  auto v = split_heads(v_proj(x), heads_);
  return out_proj(merge_heads(causal_attention(q, k, v)));
}

ClipMlpImpl::ClipMlpImpl(const ClipTextConfig& config) : quick_gelu_(config.hidden_act == "quick_gelu") {
  fc1 = register_module("fc1", torch::nn::Linear(config.hidden_size, config.intermediate_size));
  fc2 = register_module("fc2", torch::nn::Linear(config.intermediate_size, config.hidden_size));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
  auto h = fc1(x);
  // quick_gelu is OpenAI's sigmoid approximation that SD 1.x was trained with; SD 2.x uses exact GELU.
  h = quick_gelu_ ? h * torch::sigmoid(1.702 * h) : torch::gelu(h);
  return fc2(h);
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipTextConfig& config) {
  const auto norm = torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps);
  self_attn = register_module("self_attn", ClipAttention(config));
  layer_norm1 = register_module("layer_norm1", torch::nn::LayerNorm(norm));
  mlp = register_module("mlp", ClipMlp(config));
  layer_norm2 = register_module("layer_norm2", torch::nn::LayerNorm(norm));
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& x) {
  auto h = x + self_attn(layer_norm1(x));
  return h + mlp(layer_norm2(h));
}

ClipEncoderImpl::ClipEncoderImpl(const ClipTextConfig& config) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layers->push_back(ClipEncoderLayer(config));
}

ClipTextTransformerImpl::ClipTextTransformerImpl(const ClipTextConfig& config) {
  embeddings = register_module("embeddings", ClipEmbeddings(config));
  encoder = register_module("encoder", ClipEncoder(config));
  final_layer_norm = register_module(
      "final_layer_norm",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
}

ClipTextModelImpl::ClipTextModelImpl(const ClipTextConfig& config) : config_(config) {
  text_model = register_module("text_model", ClipTextTransformer(config));
  if (config.projection_dim > 0)
    text_projection = register_module(
        "text_projection",
        torch::nn::Linear(torch::nn::LinearOptions(config.hidden_size, config.projection_dim).bias(false)));
}

void ClipTextModelImpl::check_ids(const torch::Tensor& ids) const {
  if (!ids.defined() || ids.dim() != 2 || ids.scalar_type() != torch::kLong)
    throw Error("text encoder: input ids must be a (batch, tokens) int64 tensor");
  if (ids.size(1) < 1 || ids.size(1) > config_.max_position_embeddings)
    throw Error("text encoder: " + std::to_string(ids.size(1)) + " tokens, the model takes 1 to " +
                std::to_string(config_.max_position_embeddings));
  if (ids.numel() == 0) return;
  // Checked on the host because an out-of-range index on CUDA is a device assert that kills the context.
  const auto lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
  if (lo < 0 || hi >= config_.vocab_size)
    throw Error("text encoder: token id " + std::to_string(lo < 0 ? lo : hi) +
                " outside the vocabulary [0, " + std::to_string(config_.vocab_size) + ")");
}

torch::Tensor ClipTextModelImpl::run_layers(const torch::Tensor& input_ids, int64_t layers) {
  auto h = text_model->embeddings(input_ids);
  for (int64_t i = 0; i < layers; ++i)
    h = text_model->encoder->layers->at<ClipEncoderLayerImpl>(i).forward(h);
  return h;
}

ClipTextOutput ClipTextModelImpl::forward(const torch::Tensor& input_ids) {
  check_ids(input_ids);
  const auto n = config_.num_hidden_layers;
  ClipTextOutput out;
  out.penultimate_hidden_state = run_layers(input_ids, n - 1);
  auto last =
      text_model->encoder->layers->at<ClipEncoderLayerImpl>(n - 1).forward(out.penultimate_hidden_state);
  out.last_hidden_state = text_model->final_layer_norm(last);
  if (text_projection) {
    // transformers' pooling: the row's first end-of-text token (padding may be "!" or end-of-text).
    const auto eos = (input_ids == config_.eos_token_id).to(torch::kInt).argmax(-1);
    const auto rows = torch::arange(input_ids.size(0), eos.options().dtype(torch::kLong));
    out.text_embeds = text_projection(out.last_hidden_state.index({rows, eos.to(torch::kLong)}));
  }
  return out;
}

torch::Tensor ClipTextModelImpl::encode(const torch::Tensor& input_ids, int64_t clip_skip) {
  if (clip_skip < 1 || clip_skip > config_.num_hidden_layers)
    throw Error("text encoder: clip skip " + std::to_string(clip_skip) + " is outside 1.." +
                std::to_string(config_.num_hidden_layers));
  check_ids(input_ids);
  return text_model->final_layer_norm(run_layers(input_ids, config_.num_hidden_layers + 1 - clip_skip));
}

void load_clip_text_weights(ClipTextModelImpl& model, const TensorMap& tensors, const std::string& source) {
  const std::string prefix = kPrefix;
  TensorMap named;
  for (const auto& [name, tensor] : tensors) {
    const bool prefixed = name.compare(0, prefix.size(), prefix) == 0 || name.rfind("text_projection.", 0) == 0;
    const std::string key = prefixed ? name : prefix + name;
    if (named.count(key))
      throw Error("'" + source + "': tensor '" + name + "' appears with and without '" + prefix + "'");
    named[key] = tensor;
  }
  WeightLoadOptions options;
  options.ignore = [&](const std::string& name) { return name == prefix + "embeddings.position_ids"; };
  load_weights(model, named, source, options);
}

ClipTextModel load_clip_text_model(const std::filesystem::path& folder, const torch::TensorOptions& options) {
  const auto config = ClipTextConfig::from_json(JsonConfig::load(folder / "config.json"));
  const auto file = SafetensorsFile::open(folder / "model.safetensors");
  ClipTextModel model(config);
  load_clip_text_weights(*model, file.load_all(), file.path().string());
  model->to(options.device(), options.dtype().toScalarType());
  model->eval();
  return model;
}

}  // namespace palette
