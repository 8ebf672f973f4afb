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
  const torch::Tensor q = split_heads(layer.to_q(x), heads);  // (B, heads, N, d)
  const int64_t d = q.size(-1);
  // Keys and values of each layer's tokens are computed once per group, then laid out per (item,
  // layer) to match the queries: (B·p, heads, M, d). They are small (M = 77 tokens).
  const torch::Tensor tokens_in = r.contexts.reshape({groups * p, m, r.contexts.size(3)});
  const auto per_item = [&](const torch::Tensor& projected) {
    return split_heads(projected, heads)
        .reshape({groups, 1, p, heads, m, d})
        .expand({groups, batch / groups, p, heads, m, d})
        .reshape({batch * p, heads, m, d});
  };
  const torch::Tensor k = per_item(layer.to_k(tokens_in));
  const torch::Tensor v = per_item(layer.to_v(tokens_in));
  // Every item's queries meet each layer's keys: the p attentions run as one kernel call over a batch
  // of B·p (a copy of the queries for p > 1; concatenating the layers' keys instead would be one
  // softmax across all prompts, which is a different thing).
  const torch::Tensor qp = q.unsqueeze(1).expand({batch, p, heads, tokens, d}).reshape({batch * p, heads, tokens, d});
  const torch::Tensor out = attention(qp, k, v, layer.upcast()).reshape({batch, p, heads, tokens, d});
  // Mixed before the output projection: it is linear, so projecting once equals mixing projections.
  return merge_heads((out * mask).sum(1));  // (B, N, heads·d)
}

}  // namespace palette
