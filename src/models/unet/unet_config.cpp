#include "models/unet/unet_config.h"

#include <algorithm>
#include <cmath>

#include "models/config_limits.h"
#include "base/json_brief.h"
#include "palette/error.h"

namespace palette {

namespace {

[[noreturn]] void config_error(const std::string& where, const std::string& key, const std::string& problem) {
  throw Error("'" + where + "': \"" + key + "\" " + brief_text(problem, 240));
}

// diffusers accepts "UNetRes"-prefixed spellings of the block types as aliases.
std::string strip_unetres(const std::string& type) {
  const std::string prefix = "UNetRes";
  return type.rfind(prefix, 0) == 0 ? type.substr(prefix.size()) : type;
}

void check_block_types(const std::string& where, const char* key, const std::vector<std::string>& types,
                       const std::vector<std::string>& supported) {
  for (const auto& type : types) {
    if (std::find(supported.begin(), supported.end(), type) != supported.end()) continue;
    std::string list;
    for (const auto& s : supported) list += (list.empty() ? "" : ", ") + s;
    config_error(where, key, "has unsupported block type \"" + type + "\" (supported: " + list + ")");
  }
}

// Keys that select features this engine does not implement: they must be absent, null or at the value
// that disables the feature.
void reject_unsupported(const JsonConfig& json) {
  if (json.has("_class_name") && json.string("_class_name") != "UNet2DConditionModel")
    json.fail("_class_name", "is \"" + json.string("_class_name") + "\", expected \"UNet2DConditionModel\"");
  for (const char* key : {"class_embed_type", "num_class_embeds", "encoder_hid_dim",
                          "encoder_hid_dim_type", "time_embedding_act_fn", "timestep_post_act",
                          "cross_attention_norm", "reverse_transformer_layers_per_block"})
    if (json.has(key)) json.fail(key, "is not supported (must be null), got " + json_brief(json.raw().at(key)));
  for (const char* key : {"dual_cross_attention", "class_embeddings_concat", "resnet_skip_time_act",
                          "mid_block_only_cross_attention"})
    if (json.boolean(key, false)) json.fail(key, "is not supported (must be false)");
  if (json.has("only_cross_attention")) {
    const auto& v = json.raw().at("only_cross_attention");
    const bool any_true =
        v.is_array() ? std::any_of(v.begin(), v.end(), [](const auto& x) { return x == true; }) : v == true;
    if (any_true) json.fail("only_cross_attention", "is not supported (must be false)");
  }
  const std::string act = json.string("act_fn", "silu");
  if (act != "silu" && act != "swish") json.fail("act_fn", "is \"" + act + "\"; only \"silu\" is supported");
  const std::pair<const char*, const char*> fixed[] = {{"time_embedding_type", "positional"},
                                                       {"attention_type", "default"},
                                                       {"resnet_time_scale_shift", "default"}};
  for (const auto& [key, value] : fixed)
    if (json.string(key, value) != value)
      json.fail(key, std::string("is not supported (must be \"") + value + "\")");
}

}  // namespace

UNetConfig UNetConfig::from_json(const JsonConfig& json) {
  reject_unsupported(json);
  UNetConfig c;
  c.in_channels = json.integer("in_channels");
  c.out_channels = json.integer("out_channels");
  c.sample_size = json.integer("sample_size", c.sample_size);
  c.block_out_channels = json.integers("block_out_channels");
  const size_t n = c.block_out_channels.size();
  c.down_block_types = json.strings("down_block_types");
  c.up_block_types = json.strings("up_block_types");
  for (auto* types : {&c.down_block_types, &c.up_block_types})
    std::transform(types->begin(), types->end(), types->begin(), strip_unetres);
  c.mid_block_type = json.string("mid_block_type", c.mid_block_type);
  c.layers_per_block = json.integer_or_list("layers_per_block", n);
  // Legacy naming: without num_attention_heads, attention_head_dim holds the number of heads.
  if (json.has("num_attention_heads")) c.attention_heads_key = "num_attention_heads";
  c.attention_heads = json.integer_or_list(c.attention_heads_key, n);
  c.cross_attention_dim = json.integer_or_list("cross_attention_dim", n);
  c.transformer_layers_per_block = json.has("transformer_layers_per_block")
                                       ? json.integer_or_list("transformer_layers_per_block", n)
                                       : std::vector<int64_t>(n, 1);
  c.use_linear_projection = json.boolean("use_linear_projection", c.use_linear_projection);
  c.upcast_attention = json.boolean("upcast_attention", c.upcast_attention);
  c.norm_num_groups = json.integer("norm_num_groups", c.norm_num_groups);
  c.norm_eps = json.number("norm_eps", c.norm_eps);
  c.flip_sin_to_cos = json.boolean("flip_sin_to_cos", c.flip_sin_to_cos);
  c.freq_shift = json.number("freq_shift", c.freq_shift);
  c.time_embedding_dim = json.integer("time_embedding_dim", 0);
  c.time_cond_proj_dim = json.integer("time_cond_proj_dim", 0);
  if (json.has("addition_embed_type")) {
    const std::string type = json.string("addition_embed_type");
    if (type != "text_time")
      json.fail("addition_embed_type", "is \"" + type + "\"; only \"text_time\" (SDXL) is supported");
    c.addition_time_embed_dim = json.integer("addition_time_embed_dim");
    c.projection_class_embeddings_input_dim = json.integer("projection_class_embeddings_input_dim");
    if (c.addition_time_embed_dim < 1)
      json.fail("addition_time_embed_dim", "must be positive for addition_embed_type \"text_time\"");
  }
  c.conv_in_kernel = json.integer("conv_in_kernel", c.conv_in_kernel);
  c.conv_out_kernel = json.integer("conv_out_kernel", c.conv_out_kernel);
  c.downsample_padding = json.integer("downsample_padding", c.downsample_padding);
  c.mid_block_scale_factor = json.number("mid_block_scale_factor", c.mid_block_scale_factor);
  c.center_input_sample = json.boolean("center_input_sample", c.center_input_sample);
  c.validate(json.where());
  return c;
}

void UNetConfig::validate(const std::string& where) const {
  const size_t n = block_out_channels.size();
  if (n < size_t(config_limits::kBlocks.low) || n > size_t(config_limits::kBlocks.high))
    config_error(where, "block_out_channels",
                 "has " + std::to_string(n) + " entries, expected " + std::to_string(config_limits::kBlocks.low) +
                     "…" + std::to_string(config_limits::kBlocks.high));
  auto same_length = [&](const char* key, size_t size) {
    if (size != n)
      config_error(
          where, key,
          "has " + std::to_string(size) + " entries but block_out_channels has " + std::to_string(n));
  };
  check_block_types(where, "down_block_types", down_block_types, {"CrossAttnDownBlock2D", "DownBlock2D"});
  check_block_types(where, "up_block_types", up_block_types, {"CrossAttnUpBlock2D", "UpBlock2D"});
  check_block_types(where, "mid_block_type", {mid_block_type}, {"UNetMidBlock2DCrossAttn"});
  same_length("down_block_types", down_block_types.size());
  same_length("up_block_types", up_block_types.size());
  same_length("layers_per_block", layers_per_block.size());
  same_length(attention_heads_key.c_str(), attention_heads.size());
  same_length("cross_attention_dim", cross_attention_dim.size());
  same_length("transformer_layers_per_block", transformer_layers_per_block.size());
  namespace limits = config_limits;
  auto in_range = [&](const char* key, const std::vector<int64_t>& values, limits::Range range) {
    for (int64_t v : values) limits::check(where, key, v, range);
  };
  in_range("block_out_channels", block_out_channels, limits::kChannels);
  in_range("layers_per_block", layers_per_block, limits::kLayersPerBlock);
  in_range(attention_heads_key.c_str(), attention_heads, limits::kHeads);
  in_range("cross_attention_dim", cross_attention_dim, limits::kChannels);
  in_range("transformer_layers_per_block", transformer_layers_per_block, limits::kTransformerLayers);
  limits::check(where, "in_channels", in_channels, limits::kImageChannels);
  limits::check(where, "out_channels", out_channels, limits::kImageChannels);
  limits::check(where, "norm_num_groups", norm_num_groups, limits::kChannels);
  limits::check(where, "time_embedding_dim", time_embed_dim(), {1, 4 * limits::kChannels.high});
  limits::check(where, "time_cond_proj_dim", time_cond_proj_dim, {0, limits::kChannels.high});
  if (text_time_embedding()) {
    limits::check(where, "addition_time_embed_dim", addition_time_embed_dim, limits::kChannels);
    // the pooled text embedding and at least one time id
    limits::check(where, "projection_class_embeddings_input_dim", projection_class_embeddings_input_dim,
                  {addition_time_embed_dim + 1, 16 * limits::kChannels.high});
  }
  for (size_t i = 0; i < n; ++i) {
    if (block_out_channels[i] % norm_num_groups != 0)
      config_error(where, "block_out_channels",
                   "entry " + std::to_string(block_out_channels[i]) +
                       " is not divisible by norm_num_groups " + std::to_string(norm_num_groups));
    // Each head takes an equal share of the block's channels; a remainder would build projections
    // that no checkpoint has, and the load would blame the weights.
    if (block_out_channels[i] % attention_heads[i] != 0)
      config_error(where, attention_heads_key,
                   "asks for " + std::to_string(attention_heads[i]) + " heads, which do not divide the " +
                       std::to_string(block_out_channels[i]) + " channels of block " + std::to_string(i));
  }
  if (conv_in_kernel <= 0 || conv_in_kernel % 2 == 0 || conv_in_kernel > 15)
    config_error(where, "conv_in_kernel", "must be a positive odd integer up to 15");
  if (conv_out_kernel <= 0 || conv_out_kernel % 2 == 0 || conv_out_kernel > 15)
    config_error(where, "conv_out_kernel", "must be a positive odd integer up to 15");
  if (downsample_padding != 0 && downsample_padding != 1)
    config_error(where, "downsample_padding", "must be 0 or 1");
  if (mid_block_scale_factor == 0 || !std::isfinite(mid_block_scale_factor))
    config_error(where, "mid_block_scale_factor", "must be a finite number other than zero");
  if (!(norm_eps > 0) || !std::isfinite(norm_eps)) config_error(where, "norm_eps", "must be a finite positive number");
  if (!std::isfinite(freq_shift)) config_error(where, "freq_shift", "must be a finite number");
}

}  // namespace palette
