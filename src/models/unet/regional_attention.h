// Regional cross-attention (docs/algorithms.md §7): one UNet pass conditions each part of the picture on its
// own prompt. Every cross-attention layer attends to each prompt layer's tokens separately and mixes
// the p results per pixel by the layers' masks at that layer's resolution, so a layout of p prompts
// costs one UNet pass instead of MultiDiffusion's p.
//
//   auto regional = unet->regional_context(contexts /*(1,p,77,C)*/, masks /*(1,p,1,h,w)*/);
//   auto eps = unet->forward(latents /*(B,4,h,w)*/, timesteps, regional);
//
// Masks are resized to each resolution by area averaging and normalised to sum 1 over the layers per
// pixel, once, when the context is made (a context is reused across calls with the same layout).
// Because the output projection is linear, the layers' attention outputs are mixed before it, and a
// single layer (or identical layers) gives exactly the plain cross-attention.
//
// Failures: palette::Error naming the argument (contexts, masks) for wrong shapes, and from the UNet's
// forward for a context made for another latent size or batch.
// Thread safety: a RegionalContext is immutable once made; several threads may use it at once.
#pragma once

#include <torch/torch.h>

#include <utility>
#include <vector>

#include "models/unet/blocks.h"

namespace palette {

struct RegionalContext {
  // (G, p, M, C): layer i's text tokens for a run of B/G consecutive batch items; G = 1 serves every
  // item, G = 2 the [uncond; cond] halves of a classifier-free-guidance batch, G = B one per item.
  torch::Tensor contexts;
  // One per resolution the UNet attends at, finest first: (Bm, p, 1, N, 1) with N = h'·w' tokens,
  // Bm = 1 (one layout for every item) or B; in the contexts' dtype and on their device.
  std::vector<torch::Tensor> masks;
  int64_t height = 0, width = 0;  // the latent size masks[0] was made for
};

// Makes the context for latents of masks' size. contexts (G, p, M, C); masks (Bm, p, 1, h, w) with
// values ≥ 0, any float dtype and device (moved to the contexts'). `sizes`: the (h', w') of every
// resolution, finest (h, w) first. A pixel whose masks sum to 0 attends to no text at all (its
// cross-attention output is the output projection's bias): callers give every pixel some weight.
RegionalContext make_regional_context(const torch::Tensor& contexts, const torch::Tensor& masks,
                                      const std::vector<std::pair<int64_t, int64_t>>& sizes);

// What a cross-attention layer attends to: the same tokens for every layer of the picture (plain
// generation; implicit from a tensor, so existing callers keep passing (B, M, C) tensors), or a
// regional context (which must outlive the forward pass).
struct CrossContext {
  CrossContext(const torch::Tensor& tokens) : tokens(tokens) {}  // NOLINT(google-explicit-constructor)
  explicit CrossContext(const RegionalContext& regional) : regional(&regional) {}
  torch::Tensor tokens;
  const RegionalContext* regional = nullptr;
};

// `attention`'s cross-attention of x (B, N, query_dim) against every layer's tokens, mixed by the
// masks with N tokens. Returns (B, N, query_dim). Throws palette::Error when no mask level has N tokens.
torch::Tensor regional_cross_attention(AttentionImpl& attention, const torch::Tensor& x,
                                       const RegionalContext& regional);
// The same before the output projection: the mixed heads, (B, N, heads·head_dim).
torch::Tensor regional_cross_attention_heads(AttentionImpl& attention, const torch::Tensor& x,
                                             const RegionalContext& regional);

// Runs `attention` on x with `context` as its keys and values, regional or plain.
inline torch::Tensor cross_attention(AttentionImpl& attention, const torch::Tensor& x, const CrossContext& context) {
  return context.regional ? regional_cross_attention(attention, x, *context.regional)
                          : attention.forward(x, context.tokens);
}
// The same before the output projection (AttentionImpl::heads_output).
inline torch::Tensor cross_attention_heads(AttentionImpl& attention, const torch::Tensor& x,
                                           const CrossContext& context) {
  return context.regional ? regional_cross_attention_heads(attention, x, *context.regional)
                          : attention.heads_output(x, context.tokens);
}

}  // namespace palette
