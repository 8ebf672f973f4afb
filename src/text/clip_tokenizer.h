// palette::ClipTokenizer — CLIP's byte-level BPE tokenizer: prompt text to the token ids the CLIP
// text encoder takes, with exactly the ids of the reference implementations:
//   - ClipTextCleanup::kHuggingFace: transformers' CLIPTokenizer (its tokenizers backend), which is
//     what diffusers' Stable Diffusion pipelines use;
//   - ClipTextCleanup::kOpenAi: OpenAI CLIP's simple_tokenizer (ftfy, HTML unescaping, Python's
//     lower-casing), which the original Stable Diffusion code and OpenCLIP use.
//
//   auto tok = palette::ClipTokenizer::from_folder("sd-turbo/tokenizer");
//   std::vector<int64_t> ids = tok.encode("a photo of a cat");         // 77 ids: BOS … EOS pad…
//   torch::Tensor batch = tok.encode_batch({"eagle", "stormy sea"});  // (2, 77) int64, CPU
//
// Weighted-prompt syntax such as "(word:1.2)" is not parsed: it is text, as for the reference.
// Invalid UTF-8 in a prompt is not an error: each ill-formed sequence reads as U+FFFD.
// Where parity ends: the character tables are Unicode 14.0 (scripts/gen_unicode_tables.py), so
// characters assigned later count as unassigned (not letters); kOpenAi does not repeat ftfy's
// guesses at mojibake ("cafÃ©" stays as written).
// Thread safety: a loaded tokenizer is immutable (copies share it); every const member may be
// called from any number of threads at once. There is no cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace palette {

// How a prompt is cleaned before it is split into words; the two references differ here.
enum class ClipTextCleanup {
  // NFC, runs of white space to one space, lower case (Σ always σ). The special tokens (BOS, EOS,
  // pad, unk) are cut out of the raw prompt first, so with SD2's pad token "!" every '!' in a
  // prompt becomes its own token (id 0), as in the reference.
  kHuggingFace,
  // ftfy.fix_text (curly quotes, ligatures, fullwidth forms, controls, entities; not its mojibake
  // repair), html.unescape twice, white space collapsed and trimmed, Python's str.lower() (final
  // ς). Only "<|startoftext|>" and "<|endoftext|>" written in the prompt become special tokens.
  kOpenAi,
};

struct ClipTokenizerOptions {
  ClipTextCleanup cleanup = ClipTextCleanup::kHuggingFace;
  int max_length = 77;  // ids per encode(), BOS and EOS included; at least 2
  std::string bos_token = "<|startoftext|>";
  std::string eos_token = "<|endoftext|>";
  std::string pad_token = "<|endoftext|>";        // SD 2.x tokenizers pad with "!"
  std::string unk_token = "<|endoftext|>";        // for a BPE symbol missing from the vocabulary
  std::vector<std::string> extra_special_tokens;  // kHuggingFace: also cut out of prompts
};

class ClipTokenizer {
 public:
  // Reads a vocab.json (token → id) and a merges.txt (one "left right" pair per line, in merge
  // order, optionally after a "#version" line). Every special token must be in the vocabulary.
  // Throws palette::Error naming the file and the problem (missing, unreadable, not JSON, a bad
  // entry or line, a merge or special token the vocabulary lacks, max_length < 2).
  static ClipTokenizer from_files(const std::filesystem::path& vocab_json,
                                  const std::filesystem::path& merges_txt, ClipTokenizerOptions options = {});
  // A diffusers / transformers tokenizer folder: vocab.json, merges.txt, and, when present,
  // special_tokens_map.json and tokenizer_config.json for the special tokens and
  // model_max_length (tokenizer_config.json wins where both set one; a "no limit" sentinel above
  // 1e6 keeps 77). Throws palette::Error as from_files does, naming the file at fault.
  static ClipTokenizer from_folder(const std::filesystem::path& tokenizer_dir,
                                   ClipTextCleanup cleanup = ClipTextCleanup::kHuggingFace);

  // Exactly max_length() ids: BOS, the prompt's ids cut to max_length() - 2, EOS, then pad ids.
  std::vector<std::int64_t> encode(const std::string& prompt) const;
  // The prompt's ids alone: no BOS, EOS, padding or truncation (the reference's encode()).
  std::vector<std::int64_t> encode_raw(const std::string& prompt) const;
  // encode() of each prompt as a (prompts.size(), max_length()) int64 CPU tensor the caller owns.
  torch::Tensor encode_batch(const std::vector<std::string>& prompts) const;

  const ClipTokenizerOptions& options() const;  // as given, or as read from the folder
  int max_length() const;
  std::int64_t bos_id() const;
  std::int64_t eos_id() const;
  std::int64_t pad_id() const;
  std::size_t vocab_size() const;  // entries of vocab.json (49408 for CLIP)

 private:
  struct Impl;
  explicit ClipTokenizer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace palette
