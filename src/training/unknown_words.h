// Words a caption never had: random vocabulary tokens put into training captions, standing for what a
// user's prompt holds that the world's captions never use ("cinematic", a painter's name), so the model
// learns to paint what the other words name.
// Thread safety: pure function of its arguments (it writes into the tensor it is given).
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace palette::training {

// Into a `share` of the rows of `ids` ((N, L) int64 CLIP token ids on the CPU: start token, words, end
// token, padding with the end token), inserts 1–3 random token ids below the start token at random
// places among the words, keeping the words' order, the start token, and an end token (words beyond
// L − 2 are cut). Rows [0, keep_rows) are left alone. Deterministic in `seed`. Returns `ids`.
torch::Tensor with_unknown_words(torch::Tensor ids, double share, uint64_t seed, int64_t keep_rows);

}  // namespace palette::training
