#include "pipelines/prompt_cache.h"

#include <set>

namespace palette {

std::map<std::string, TextConditioning> PromptCache::get(const std::vector<std::string>& texts) {
  const std::set<std::string> wanted(texts.begin(), texts.end());
  std::vector<std::string> missing;
  for (const std::string& t : wanted)
    if (!cache_.count(t)) missing.push_back(t);
  if (!missing.empty()) {
    const TextConditioning encoded = encode_texts(parts_, missing);
    ++encoder_calls_;
    texts_encoded_ += int64_t(missing.size());
    if (cache_.size() + missing.size() > capacity_) {
      for (auto it = cache_.begin(); it != cache_.end();) it = wanted.count(it->first) ? std::next(it) : cache_.erase(it);
    }
    const auto row = [](const torch::Tensor& t, size_t i) {
      return t.defined() ? t.slice(0, int64_t(i), int64_t(i) + 1) : torch::Tensor();
    };
    for (size_t i = 0; i < missing.size(); ++i) cache_[missing[i]] = {row(encoded.hidden, i), row(encoded.pooled, i)};
  }
  std::map<std::string, TextConditioning> out;
  for (const std::string& t : wanted) out[t] = cache_.at(t);
  return out;
}

}  // namespace palette
