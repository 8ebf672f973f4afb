#include "models/unet/unet_flops.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

namespace palette {

namespace {

struct Counter {
  const UNetConfig& c;
  int64_t tokens;
  double flops = 0;

  void conv(int64_t in, int64_t out, int64_t k, int64_t h, int64_t w) { flops += 2.0 * in * out * k * k * h * w; }
  void linear(int64_t in, int64_t out, int64_t rows) { flops += 2.0 * in * out * rows; }

  void resnet(int64_t in, int64_t out, int64_t h, int64_t w) {
    conv(in, out, 3, h, w);
    linear(c.time_embed_dim(), out, 1);
    conv(out, out, 3, h, w);
    if (in != out) conv(in, out, 1, h, w);
  }

  // Transformer2DModel: proj_in, `depth` blocks of self-attention, cross-attention and GEGLU feed-forward,
  // proj_out (1×1 convolutions or linear layers: the same count).
  void transformer(int64_t ch, int64_t depth, int64_t cross, int64_t h, int64_t w) {
    const int64_t n = h * w;
    linear(ch, ch, n);
    for (int64_t d = 0; d < depth; ++d) {
      linear(ch, ch, n), linear(ch, ch, n), linear(ch, ch, n);  // q, k, v
      flops += 4.0 * n * n * ch;                                  // QKᵀ and AV
      linear(ch, ch, n);                                          // out
      linear(ch, ch, n), linear(cross, ch, tokens), linear(cross, ch, tokens);
      flops += 4.0 * n * tokens * ch;
      linear(ch, ch, n);
      linear(ch, 8 * ch, n);  // GEGLU: two 4·ch halves
      linear(4 * ch, ch, n);
    }
    linear(ch, ch, n);
  }
};

bool has_attention(const std::string& type) { return type.rfind("CrossAttn", 0) == 0; }

}  // namespace

double unet_gflops(const UNetConfig& config, int64_t height, int64_t width, int64_t text_tokens) {
  Counter k{config, text_tokens};
  const auto& ch = config.block_out_channels;
  const size_t levels = ch.size();
  k.linear(ch[0], config.time_embed_dim(), 1);
  k.linear(config.time_embed_dim(), config.time_embed_dim(), 1);
  if (config.text_time_embedding()) {
    k.linear(config.projection_class_embeddings_input_dim, config.time_embed_dim(), 1);
    k.linear(config.time_embed_dim(), config.time_embed_dim(), 1);
  }
  if (config.time_cond_proj_dim > 0) k.linear(config.time_cond_proj_dim, ch[0], 1);
  int64_t h = height, w = width;
  k.conv(config.in_channels, ch[0], config.conv_in_kernel, h, w);
  std::vector<int64_t> skips = {ch[0]};
  std::vector<std::pair<int64_t, int64_t>> sizes;  // each level's size before its downsampler, for the way up
  int64_t previous = ch[0];
  for (size_t i = 0; i < levels; ++i) {
    for (int64_t j = 0; j < config.layers_per_block[i]; ++j) {
      k.resnet(j == 0 ? previous : ch[i], ch[i], h, w);
      if (has_attention(config.down_block_types[i]))
        k.transformer(ch[i], config.transformer_layers_per_block[i], config.cross_attention_dim[i], h, w);
      skips.push_back(ch[i]);
    }
    previous = ch[i];
    if (i + 1 < levels) {
      sizes.emplace_back(h, w);
      h = (h + 1) / 2, w = (w + 1) / 2;
      k.conv(ch[i], ch[i], 3, h, w);
      skips.push_back(ch[i]);
    }
  }
  const size_t last = levels - 1;
  k.resnet(ch[last], ch[last], h, w);
  k.transformer(ch[last], config.transformer_layers_per_block[last], config.cross_attention_dim[last], h, w);
  k.resnet(ch[last], ch[last], h, w);
  for (size_t r = 0; r < levels; ++r) {
    const size_t level = levels - 1 - r;
    const int64_t out = ch[level];
    for (int64_t j = 0; j <= config.layers_per_block[level]; ++j) {
      const int64_t skip = skips.back();
      skips.pop_back();
      k.resnet((j == 0 ? previous : out) + skip, out, h, w);
      if (has_attention(config.up_block_types[r]))
        k.transformer(out, config.transformer_layers_per_block[level], config.cross_attention_dim[level], h, w);
    }
    previous = out;
    if (r + 1 < levels) {  // upsampled to the skip's size, as diffusers' upsample_size
      std::tie(h, w) = sizes.back();
      sizes.pop_back();
      k.conv(out, out, 3, h, w);
    }
  }
  k.conv(ch[0], config.out_channels, config.conv_out_kernel, h, w);
  return k.flops / 1e9;
}

}  // namespace palette
