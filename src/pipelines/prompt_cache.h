// Text embeddings cached by text, so an edit that changes one prompt encodes that prompt only and a
// prompt typed back to an earlier text costs nothing. Used by the stream engine.
//
//   PromptCache cache(parts);
//   auto e = cache.get({"a red house", "sea"});   // encodes the misses in one text-encoder call
//   e["sea"].hidden;                             // (1, 77, hidden), model dtype and device
//   e["sea"].pooled;                             // SDXL: (1, projection_dim); undefined otherwise
//
// Failures: palette::Error from the text encoder. Thread safety: one thread at a time.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipelines/prompt_encoding.h"

namespace palette {

struct ModelParts;

class PromptCache {
 public:
  // Keeps at most `capacity` texts; beyond that, texts not asked for in the newest get() are dropped.
  explicit PromptCache(const ModelParts& parts, size_t capacity = 256) : parts_(parts), capacity_(capacity) {}

  // The embeddings of `texts` (duplicates allowed), encoding the ones not cached in one batch.
  std::map<std::string, TextConditioning> get(const std::vector<std::string>& texts);

  int64_t texts_encoded() const { return texts_encoded_; }  // cache misses so far
  int64_t encoder_calls() const { return encoder_calls_; }
  size_t size() const { return cache_.size(); }

 private:
  const ModelParts& parts_;
  size_t capacity_;
  std::map<std::string, TextConditioning> cache_;
  int64_t texts_encoded_ = 0;
  int64_t encoder_calls_ = 0;
};

}  // namespace palette
