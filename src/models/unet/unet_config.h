// The architecture of a diffusers UNet2DConditionModel, read from its unet/config.json and validated
// before anything is built:
//
//   auto config = palette::UNetConfig::from_json(palette::JsonConfig::load(dir / "unet/config.json"));
//
// Per-block lists are resolved here (an integer in the JSON becomes one entry per down block), so the
// model never looks at the JSON again. Defaults are those of Stable Diffusion 1.5.
// Thread safety: plain value type.
#pragma once

#include <string>
#include <vector>

#include "io/json_config.h"

namespace palette {

struct UNetConfig {
  int64_t in_channels = 4;
  int64_t out_channels = 4;
  int64_t sample_size = 64;  // latent side the model was trained at; informational, any size runs
  std::vector<int64_t> block_out_channels = {320, 640, 1280, 1280};
  std::vector<std::string> down_block_types = {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                               "CrossAttnDownBlock2D", "DownBlock2D"};
  std::string mid_block_type = "UNetMidBlock2DCrossAttn";
  std::vector<std::string> up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                                             "CrossAttnUpBlock2D"};
  std::vector<int64_t> layers_per_block = {2, 2, 2, 2};             // per down block; up blocks have one more
  std::vector<int64_t> attention_heads = {8, 8, 8, 8};              // per down block; mid: last; up: reversed
  std::string attention_heads_key = "attention_head_dim";           // the key they came from, for messages
  std::vector<int64_t> cross_attention_dim = {768, 768, 768, 768};  // per down block, as heads
  std::vector<int64_t> transformer_layers_per_block = {1, 1, 1, 1};  // per down block, as heads
  bool use_linear_projection = false;  // SD 2.x: Linear proj_in/proj_out; SD 1.x: 1×1 convs
  bool upcast_attention = false;       // float32 attention scores for half-precision inputs
  int64_t norm_num_groups = 32;
  double norm_eps = 1e-5;
  bool flip_sin_to_cos = true;
  double freq_shift = 0;
  int64_t time_embedding_dim = 0;  // 0: 4 × block_out_channels[0]
  int64_t time_cond_proj_dim = 0;  // > 0: LCM-distilled UNet with a guidance-embedding input (cond_proj)
  // SDXL's addition_embed_type "text_time": add_embedding takes the pooled text embedding beside the
  // sinusoids (addition_time_embed_dim each) of the micro-conditioning time ids. 0: no added embedding.
  int64_t addition_time_embed_dim = 0;
  int64_t projection_class_embeddings_input_dim = 0;
  int64_t conv_in_kernel = 3;
  int64_t conv_out_kernel = 3;
  int64_t downsample_padding = 1;
  double mid_block_scale_factor = 1.0;
  bool center_input_sample = false;  // the model maps its input x to 2x − 1 first

  // Reads and validates a diffusers UNet2DConditionModel config. Throws palette::Error naming the file
  // and the key for a missing structural key, a wrong type, an unknown block type or a feature this
  // engine does not implement (class or addition embeddings, dual cross-attention, …).
  static UNetConfig from_json(const JsonConfig& json);

  // Checks the consistency of the fields (list lengths, divisibility by norm_num_groups and by the
  // heads, each size within config_limits' plausible range); throws palette::Error naming `where` and the field. The model's constructor calls it too.
  void validate(const std::string& where = "UNet config") const;

  int64_t time_embed_dim() const {
    return time_embedding_dim > 0 ? time_embedding_dim : 4 * block_out_channels[0];
  }
  size_t num_blocks() const { return block_out_channels.size(); }
  bool text_time_embedding() const { return addition_time_embed_dim > 0; }
};

}  // namespace palette
