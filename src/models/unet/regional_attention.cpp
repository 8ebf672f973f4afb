#include "models/unet/regional_attention.h"

#include <sstream>
#include <string>

#include "models/attention.h"
#include "palette/error.h"

namespace palette {

namespace {

std::string shape_text(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

const torch::Tensor& mask_level(const RegionalContext& r, int64_t tokens) {
  for (const torch::Tensor& m : r.masks)
    if (m.size(3) == tokens) return m;
  throw Error("regional attention: the masks have no resolution of " + std::to_string(tokens) +
              " pixels (the context was made for a " + std::to_string(r.height) + "x" + std::to_string(r.width) +
              " latent)");
}

}  // namespace

RegionalContext make_regional_context(const torch::Tensor& contexts, const torch::Tensor& masks,
                                      const std::vector<std::pair<int64_t, int64_t>>& sizes) {
  if (!contexts.defined() || contexts.dim() != 4 || contexts.size(0) < 1 || contexts.size(1) < 1)
    throw Error("regional attention: contexts must be (groups, layers, tokens, channels), not " +
                (contexts.defined() ? shape_text(contexts) : std::string("undefined")));
  const int64_t p = contexts.size(1);
  if (!masks.defined() || masks.dim() != 5 || masks.size(1) != p || masks.size(2) != 1 || masks.size(0) < 1)
    throw Error("regional attention: masks must be (batch, " + std::to_string(p) +
                " layers as in contexts, 1, h, w), not " +
                (masks.defined() ? shape_text(masks) : std::string("undefined")));
  if (!masks.is_floating_point()) throw Error("regional attention: masks must be floating point");
  const int64_t bm = masks.size(0), h = masks.size(3), w = masks.size(4);
  if (sizes.empty() || sizes.front() != std::make_pair(h, w))
    throw Error("regional attention: the first resolution must be the masks' " + std::to_string(h) + "x" +
                std::to_string(w));

  RegionalContext r;
  r.contexts = contexts;
  r.height = h;
  r.width = w;
  // Float32 for the pooling and the division: half-precision CPU pooling is missing in older LibTorch,
  // and the masks are tiny next to the activations.
  const torch::Tensor full = masks.to(contexts.device(), torch::kFloat32).reshape({bm * p, 1, h, w});
  for (const auto& [lh, lw] : sizes) {
    // Area averaging keeps a sum-to-one partition summing to one, and soft edges stay soft.
    torch::Tensor level = (lh == h && lw == w) ? full : torch::adaptive_avg_pool2d(full, {lh, lw});
    level = level.view({bm, p, 1, lh * lw, 1});
    const torch::Tensor sum = level.sum(1, true);
    level = level / torch::where(sum > 0, sum, torch::ones_like(sum));
    r.masks.push_back(level.to(contexts.scalar_type()).contiguous());
  }
  return r;
}

torch::Tensor regional_cross_attention(AttentionImpl& layer, const torch::Tensor& x, const RegionalContext& r) {
  return layer.fused_ops().linear(layer.output_projection(), regional_cross_attention_heads(layer, x, r));
}

torch::Tensor regional_cross_attention_heads(AttentionImpl& layer, const torch::Tensor& x, const RegionalContext& r) {
  const int64_t batch = x.size(0), tokens = x.size(1);
  const int64_t groups = r.contexts.size(0), p = r.contexts.size(1), m = r.contexts.size(2);
  if (batch % groups != 0)
    throw Error("regional attention: a batch of " + std::to_string(batch) + " does not split into the " +
                std::to_string(groups) + " groups of contexts");
  const torch::Tensor& mask = mask_level(r, tokens);
  if (mask.size(0) != 1 && mask.size(0) != batch)
    throw Error("regional attention: masks for a batch of " + std::to_string(mask.size(0)) + ", not 1 or " +
                std::to_string(batch));
  const int64_t heads = layer.heads();
  // (B, heads, N, d), a view of the projection's (B, N, heads, d) rows: the layout the fused attention
  // kernels read directly, so each layer's attention below reads the same queries without a copy.
  const torch::Tensor q = split_heads(layer.to_q(x), heads);
  // Keys and values of every layer's tokens in one projection per group, then each layer's laid out per
  // item: (B, heads, M, d). They are small (M = 77 tokens).
  const torch::Tensor tokens_in = r.contexts.reshape({groups * p, m, r.contexts.size(3)});
  const torch::Tensor keys = split_heads(layer.to_k(tokens_in), heads);      // (G·p, heads, M, d)
  const torch::Tensor values = split_heads(layer.to_v(tokens_in), heads);
  const auto for_layer = [&](const torch::Tensor& projected, int64_t i) {
    const torch::Tensor per_group = projected.view({groups, p, heads, m, projected.size(-1)}).select(1, i);
    return per_group.unsqueeze(1)
        .expand({groups, batch / groups, heads, m, projected.size(-1)})
        .reshape({batch, heads, m, projected.size(-1)});
  };
  // One attention per prompt layer, each weighted by its mask as it comes: the p outputs are never held
  // at once, and the queries are not copied p times. (One softmax over all layers' keys concatenated
  // would be a different thing.) Mixed before the output projection: it is linear, so projecting once
  // equals mixing projections.
  torch::Tensor mixed;
  for (int64_t i = 0; i < p; ++i) {
    const torch::Tensor out = attention(q, for_layer(keys, i), for_layer(values, i), layer.upcast());
    const torch::Tensor weight = mask.select(1, i);  // (Bm, 1, N, 1)
    if (i == 0)
      mixed = out * weight;
    else
      mixed.addcmul_(out, weight);
  }
  return merge_heads(mixed);  // (B, N, heads·d)
}

}  // namespace palette
