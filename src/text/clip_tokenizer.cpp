// CLIP BPE tokenizer: cleanup, pre-tokenization (CLIP's regex, emulated by hand), byte-level BPE.
#include "text/clip_tokenizer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "io/json_config.h"
#include "palette/error.h"
#include "palette/input_file.h"
#include "palette/json_input.h"
#include "text/unicode_text.h"

namespace palette {
namespace {

using text::has_flag;

std::string quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

std::string utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) text::append_utf8(c, out);
  return out;
}

// GPT-2's byte-level alphabet: byte b stands for itself when it is a printable Latin-1 character,
// else for U+0100 + (its rank among the others), so BPE never sees spaces or controls.
std::array<char32_t, 256> byte_alphabet() {
  std::array<char32_t, 256> table{};
  char32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    table[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return table;
}

bool is_punctuation_run_char(char32_t c, bool ignore_case) {
  const std::uint8_t f = text::char_flags(c);
  if (f & (text::kWhiteSpace | text::kLetter | text::kNumber)) return false;
  // Under IGNORECASE the `regex` module keeps U+0345 out of [^\s\p{L}\p{N}], since its upper case
  // is a letter; the OpenAI reference then drops it like white space.
  return !(ignore_case && (f & text::kFoldsToLetter));
}

// `p` is lower-case ASCII. Under IGNORECASE the pattern's 's' also matches ſ (U+017F), whose
// simple case folding is 's' and which survives the lower-casing before the regex.
bool char_matches(char32_t c, char p, bool ignore_case) {
  const auto pc = static_cast<char32_t>(static_cast<unsigned char>(p));
  if (c == pc) return true;
  if (!ignore_case) return false;
  return (c >= 'A' && c <= 'Z' && c + 32 == pc) || (p == 's' && c == 0x17F);
}

bool literal_at(std::u32string_view s, std::size_t i, std::string_view literal, bool ignore_case) {
  if (s.size() - i < literal.size()) return false;
  for (std::size_t k = 0; k < literal.size(); ++k) {
    if (!char_matches(s[i + k], literal[k], ignore_case)) return false;
  }
  return true;
}

std::size_t contraction_at(std::u32string_view s, std::size_t i, bool ignore_case) {
  for (std::string_view c : {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}) {
    if (literal_at(s, i, c, ignore_case)) return c.size();
  }
  return 0;
}

template <typename Pred>
std::size_t run_length(std::u32string_view s, std::size_t i, Pred pred) {
  std::size_t j = i;
  while (j < s.size() && pred(s[j])) ++j;
  return j - i;
}

std::size_t letters_at(std::u32string_view s, std::size_t i) {
  return run_length(s, i, [](char32_t c) { return has_flag(c, text::kLetter); });
}

std::size_t punctuation_at(std::u32string_view s, std::size_t i, bool ignore_case) {
  return run_length(s, i, [ignore_case](char32_t c) { return is_punctuation_run_char(c, ignore_case); });
}

enum class PieceKind { kWord, kSpecialPattern };

// Length of the match at s[i] of CLIP's pattern (0: none)
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// where, as in a regex alternation, the first alternative that matches wins.
std::size_t clip_match_at(std::u32string_view s, std::size_t i, bool ignore_case, PieceKind& kind) {
  kind = PieceKind::kSpecialPattern;
  for (std::string_view special : {"<|startoftext|>", "<|endoftext|>"}) {
    if (literal_at(s, i, special, ignore_case)) return special.size();
  }
  kind = PieceKind::kWord;
  if (std::size_t length = contraction_at(s, i, ignore_case)) return length;
  if (has_flag(s[i], text::kLetter)) return letters_at(s, i);
  if (has_flag(s[i], text::kNumber)) return 1;
  return punctuation_at(s, i, ignore_case);
}

// The ByteLevel pre-tokenizer's own GPT-2 regex, which the tokenizers backend runs on every piece
// after CLIP's split. Pieces hold no white space, so of
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// only the first ten alternatives can match, and in effect it only cuts a written
// "<|endoftext|>" (not cut out as a special token because its case differed) into "<|",
// "endoftext", "|>".
std::size_t gpt2_match_at(std::u32string_view s, std::size_t i) {
  if (std::size_t length = contraction_at(s, i, false)) return length;
  if (has_flag(s[i], text::kLetter)) return letters_at(s, i);
  if (has_flag(s[i], text::kNumber))
    return run_length(s, i, [](char32_t c) { return has_flag(c, text::kNumber); });
  return std::max<std::size_t>(punctuation_at(s, i, false), 1);
}

// Each run of white space becomes one space (both references' "\s+" → " ").
std::u32string collapse_white_space(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  bool in_space = false;
  for (char32_t c : s) {
    const bool space = has_flag(c, text::kWhiteSpace);
    if (!space) out.push_back(c);
    if (space && !in_space) out.push_back(' ');
    in_space = space;
  }
  return out;
}

// transformers' CLIP normalizer: NFC, white space collapsed, lower case.
std::u32string normalize_huggingface(const std::u32string& s) {
  return text::to_lower(collapse_white_space(text::nfc(s)), /*final_sigma=*/false);
}

// OpenAI's basic_clean (ftfy, html.unescape twice, strip), whitespace_clean, then str.lower().
std::u32string normalize_openai(const std::u32string& s) {
  const std::u32string fixed = text::html_unescape(text::html_unescape(text::ftfy_fix_text(s)));
  const std::u32string cleaned = text::python_strip(collapse_white_space(text::python_strip(fixed)));
  return text::to_lower(cleaned, /*final_sigma=*/true);
}

struct Merge {
  std::int32_t rank;
  std::int32_t merged_id;
};

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

}  // namespace

struct ClipTokenizer::Impl {
  ClipTokenizerOptions options;
  std::unordered_map<std::string, std::int32_t> vocab;
  std::unordered_map<std::uint64_t, Merge> merges;
  std::array<std::int32_t, 256> byte_ids{};      // a byte inside a word; -1: not in the vocabulary
  std::array<std::int32_t, 256> end_byte_ids{};  // a byte ending a word ("x</w>")
  std::int64_t bos = 0, eos = 0, pad = 0, unk = 0;
  // kHuggingFace: cut out of the raw prompt before anything else, longest first.
  std::vector<std::pair<std::u32string, std::int64_t>> split_tokens;

  void append_bpe(std::u32string_view word, std::vector<std::int64_t>& out) const;
  std::vector<std::int64_t> tokenize(const std::string& prompt, std::size_t limit) const;
  void tokenize_segment(const std::u32string& segment, std::size_t limit,
                        std::vector<std::int64_t>& out) const;
};

// Byte-pair encoding of one word: repeatedly merge the adjacent pair of lowest merge rank, leftmost
// first. The heap holds candidate pairs; a popped pair whose symbols changed since is stale.
void ClipTokenizer::Impl::append_bpe(std::u32string_view word, std::vector<std::int64_t>& out) const {
  const std::string bytes = utf8(word);
  const auto n = static_cast<std::int32_t>(bytes.size());
  if (n == 0) return;
  struct Symbol {
    std::int32_t id, prev, next;
  };
  constexpr std::int32_t kMergedAway = -2;  // ids are >= 0, or -1 for a byte missing from the vocabulary
  std::vector<Symbol> symbols(static_cast<std::size_t>(n));
  for (std::int32_t k = 0; k < n; ++k) {
    const auto b = static_cast<unsigned char>(bytes[static_cast<std::size_t>(k)]);
    symbols[static_cast<std::size_t>(k)] = {k + 1 == n ? end_byte_ids[b] : byte_ids[b], k - 1,
                                            k + 1 == n ? -1 : k + 1};
  }
  struct Candidate {
    std::int32_t rank, pos, left, right;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  auto consider = [&](std::int32_t pos) {
    if (pos < 0) return;
    const Symbol& s = symbols[static_cast<std::size_t>(pos)];
    if (s.next < 0) return;
    const std::int32_t right = symbols[static_cast<std::size_t>(s.next)].id;
    auto it = merges.find(pair_key(s.id, right));
    if (it != merges.end()) heap.push({it->second.rank, pos, s.id, right});
  };
  for (std::int32_t k = 0; k + 1 < n; ++k) consider(k);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    Symbol& left = symbols[static_cast<std::size_t>(c.pos)];
    if (left.id != c.left || left.next < 0 || symbols[static_cast<std::size_t>(left.next)].id != c.right)
      continue;
    Symbol& removed = symbols[static_cast<std::size_t>(left.next)];
    left.id = merges.at(pair_key(c.left, c.right)).merged_id;
    left.next = removed.next;
    if (removed.next >= 0) symbols[static_cast<std::size_t>(removed.next)].prev = c.pos;
    removed = {kMergedAway, -1, -1};  // so that candidates starting at it are stale
    consider(left.prev);
    consider(c.pos);
  }
  for (std::int32_t k = 0; k >= 0; k = symbols[static_cast<std::size_t>(k)].next) {
    const std::int32_t id = symbols[static_cast<std::size_t>(k)].id;
    out.push_back(id >= 0 ? id : unk);
  }
}

void ClipTokenizer::Impl::tokenize_segment(const std::u32string& segment, std::size_t limit,
                                           std::vector<std::int64_t>& out) const {
  const bool openai = options.cleanup == ClipTextCleanup::kOpenAi;
  const std::u32string normalized = openai ? normalize_openai(segment) : normalize_huggingface(segment);
  const std::u32string_view s = normalized;
  std::size_t i = 0;
  while (i < s.size() && out.size() < limit) {
    PieceKind kind = PieceKind::kWord;
    const std::size_t length = clip_match_at(s, i, /*ignore_case=*/openai, kind);
    if (length == 0) {  // white space, or what the OpenAI regex has no class for (U+0345)
      ++i;
      continue;
    }
    const std::u32string_view piece = s.substr(i, length);
    i += length;
    if (kind == PieceKind::kWord) {
      append_bpe(piece, out);
    } else if (!openai) {
      for (std::size_t k = 0; k < piece.size();) {
        const std::size_t word = gpt2_match_at(piece, k);
        append_bpe(piece.substr(k, word), out);
        k += word;
      }
    } else if (auto it = vocab.find(utf8(piece)); it != vocab.end()) {
      out.push_back(it->second);
    } else {
      append_bpe(piece, out);  // "<|ſtartoftext|>" matched the pattern but is no special token
    }
  }
}

std::vector<std::int64_t> ClipTokenizer::Impl::tokenize(const std::string& prompt, std::size_t limit) const {
  const std::u32string text = text::decode_utf8_lossy(prompt);
  std::vector<std::int64_t> out;
  std::size_t segment_begin = 0;
  for (std::size_t i = 0; i < text.size() && out.size() < limit;) {
    const auto match = std::find_if(split_tokens.begin(), split_tokens.end(), [&](const auto& t) {
      return text.compare(i, t.first.size(), t.first) == 0;
    });
    if (match == split_tokens.end()) {
      ++i;
      continue;
    }
    tokenize_segment(text.substr(segment_begin, i - segment_begin), limit, out);
    if (out.size() < limit) out.push_back(match->second);
    i += match->first.size();
    segment_begin = i;
  }
  if (out.size() < limit) tokenize_segment(text.substr(segment_begin), limit, out);
  if (out.size() > limit) out.resize(limit);
  return out;
}

namespace {

constexpr uint64_t kMaxTokenizerFileBytes = 64ull << 20;  // CLIP's vocab.json is 1.6 MB, merges.txt 0.5 MB

std::unordered_map<std::string, std::int32_t> read_vocab(const std::filesystem::path& path) {
  const std::string content = read_input_file(path, "a vocabulary file (vocab.json)", kMaxTokenizerFileBytes);
  nlohmann::json root;
  try {
    root = parse_bounded_json(content);
  } catch (const Error& e) {
    throw Error(quoted(path) + ": " + e.what());
  }
  if (!root.is_object() || root.empty())
    throw Error(quoted(path) + ": not a JSON object mapping tokens to ids");
  std::unordered_map<std::string, std::int32_t> vocab;
  vocab.reserve(root.size());
  for (const auto& [token, id] : root.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() > INT32_MAX) {
      throw Error(quoted(path) + ": token \"" + token + "\" has no valid id (a non-negative integer)");
    }
    vocab.emplace(token, id.get<std::int32_t>());
  }
  return vocab;
}

std::unordered_map<std::uint64_t, Merge> read_merges(
    const std::filesystem::path& path, const std::unordered_map<std::string, std::int32_t>& vocab) {
  std::istringstream in(read_input_file(path, "a merges file (merges.txt)", kMaxTokenizerFileBytes));
  std::unordered_map<std::uint64_t, Merge> merges;
  std::string line;
  std::int32_t rank = 0;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || line.find(' ', space + 1) != std::string::npos ||
        space + 1 == line.size()) {
      throw Error(quoted(path) + ": line " + std::to_string(number) +
                  " is not two tokens separated by a space");
    }
    const std::string left = line.substr(0, space), right = line.substr(space + 1);
    const auto l = vocab.find(left), r = vocab.find(right), m = vocab.find(left + right);
    if (l == vocab.end() || r == vocab.end() || m == vocab.end()) {
      throw Error(quoted(path) + ": line " + std::to_string(number) + " (\"" + line +
                  "\") merges tokens that are not in the vocabulary");
    }
    // A repeated pair takes its later rank, as in both references.
    merges[pair_key(l->second, r->second)] = {rank++, m->second};
  }
  if (in.bad()) throw Error(quoted(path) + ": read error");
  return merges;
}

// A special token in a tokenizer config: a string, or an AddedToken object with "content".
std::optional<std::string> token_field(const JsonConfig& config, const std::string& key) {
  if (!config.has(key)) return std::nullopt;
  const nlohmann::json& value = config.raw().at(key);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  config.fail(key, "must be a string or an object with a \"content\" string");
}

void read_token_config(const std::filesystem::path& path, ClipTokenizerOptions& options) {
  if (!std::filesystem::exists(path)) return;
  const JsonConfig config = JsonConfig::load(path);
  for (auto [key, field] :
       {std::pair{"bos_token", &options.bos_token}, std::pair{"eos_token", &options.eos_token},
        std::pair{"pad_token", &options.pad_token}, std::pair{"unk_token", &options.unk_token}}) {
    if (auto token = token_field(config, key)) *field = *token;
  }
  if (config.has("additional_special_tokens")) {
    const nlohmann::json& list = config.raw().at("additional_special_tokens");
    if (!list.is_array()) config.fail("additional_special_tokens", "must be a list");
    for (const nlohmann::json& entry : list) {
      const nlohmann::json& content =
          entry.is_object() && entry.contains("content") ? entry["content"] : entry;
      if (!content.is_string())
        config.fail("additional_special_tokens", "must hold strings or token objects");
      options.extra_special_tokens.push_back(content.get<std::string>());
    }
  }
  if (config.has("model_max_length")) {
    const nlohmann::json& value = config.raw().at("model_max_length");
    if (!value.is_number()) config.fail("model_max_length", "must be a number");
    const double length = value.get<double>();
    // transformers writes a huge sentinel (int(1e30)) for "no limit": CLIP's own 77 then stands.
    if (length <= 1e6) {
      if (length < 2 || length != static_cast<double>(static_cast<int>(length))) {
        config.fail("model_max_length", "must be an integer of at least 2");
      }
      options.max_length = static_cast<int>(length);
    }
  }
}

std::int64_t special_id(const std::unordered_map<std::string, std::int32_t>& vocab, const std::string& token,
                        const std::filesystem::path& vocab_path) {
  auto it = vocab.find(token);
  if (it == vocab.end())
    throw Error(quoted(vocab_path) + ": special token \"" + token + "\" is not in the vocabulary");
  return it->second;
}

}  // namespace

ClipTokenizer ClipTokenizer::from_files(const std::filesystem::path& vocab_json,
                                        const std::filesystem::path& merges_txt,
                                        ClipTokenizerOptions options) {
  if (options.max_length < 2) {
    throw Error("ClipTokenizerOptions: max_length must be at least 2 (BOS and EOS), not " +
                std::to_string(options.max_length));
  }
  auto impl = std::make_unique<Impl>();
  impl->vocab = read_vocab(vocab_json);
  impl->merges = read_merges(merges_txt, impl->vocab);
  const std::array<char32_t, 256> alphabet = byte_alphabet();
  for (int b = 0; b < 256; ++b) {
    const std::string symbol = utf8(std::u32string(1, alphabet[static_cast<std::size_t>(b)]));
    const auto inner = impl->vocab.find(symbol), last = impl->vocab.find(symbol + "</w>");
    impl->byte_ids[static_cast<std::size_t>(b)] = inner == impl->vocab.end() ? -1 : inner->second;
    impl->end_byte_ids[static_cast<std::size_t>(b)] = last == impl->vocab.end() ? -1 : last->second;
  }
  impl->bos = special_id(impl->vocab, options.bos_token, vocab_json);
  impl->eos = special_id(impl->vocab, options.eos_token, vocab_json);
  impl->pad = special_id(impl->vocab, options.pad_token, vocab_json);
  impl->unk = special_id(impl->vocab, options.unk_token, vocab_json);
  if (options.cleanup == ClipTextCleanup::kHuggingFace) {
    std::vector<std::string> tokens = {options.bos_token, options.eos_token, options.pad_token,
                                       options.unk_token};
    tokens.insert(tokens.end(), options.extra_special_tokens.begin(), options.extra_special_tokens.end());
    for (const std::string& token : tokens) {
      const std::u32string decoded = text::decode_utf8_lossy(token);
      const bool seen = std::any_of(impl->split_tokens.begin(), impl->split_tokens.end(),
                                    [&](const auto& t) { return t.first == decoded; });
      if (!decoded.empty() && !seen)
        impl->split_tokens.emplace_back(decoded, special_id(impl->vocab, token, vocab_json));
    }
    std::stable_sort(impl->split_tokens.begin(), impl->split_tokens.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  }
  impl->options = std::move(options);
  return ClipTokenizer(std::move(impl));
}

ClipTokenizer ClipTokenizer::from_folder(const std::filesystem::path& tokenizer_dir,
                                         ClipTextCleanup cleanup) {
  if (!std::filesystem::is_directory(tokenizer_dir))
    throw Error(quoted(tokenizer_dir) + ": no such tokenizer folder");
  ClipTokenizerOptions options;
  options.cleanup = cleanup;
  read_token_config(tokenizer_dir / "special_tokens_map.json", options);
  read_token_config(tokenizer_dir / "tokenizer_config.json", options);
  return from_files(tokenizer_dir / "vocab.json", tokenizer_dir / "merges.txt", std::move(options));
}

ClipTokenizer::ClipTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

std::vector<std::int64_t> ClipTokenizer::encode(const std::string& prompt) const {
  const auto length = static_cast<std::size_t>(impl_->options.max_length);
  std::vector<std::int64_t> ids = {impl_->bos};
  const std::vector<std::int64_t> content = impl_->tokenize(prompt, length - 2);
  ids.insert(ids.end(), content.begin(), content.end());
  ids.push_back(impl_->eos);
  ids.resize(length, impl_->pad);
  return ids;
}

std::vector<std::int64_t> ClipTokenizer::encode_raw(const std::string& prompt) const {
  return impl_->tokenize(prompt, SIZE_MAX);
}

torch::Tensor ClipTokenizer::encode_batch(const std::vector<std::string>& prompts) const {
  const std::int64_t length = impl_->options.max_length;
  torch::Tensor batch = torch::empty({static_cast<std::int64_t>(prompts.size()), length}, torch::kLong);
  auto rows = batch.accessor<std::int64_t, 2>();
  for (std::size_t b = 0; b < prompts.size(); ++b) {
    const std::vector<std::int64_t> ids = encode(prompts[b]);
    for (std::int64_t k = 0; k < length; ++k)
      rows[static_cast<std::int64_t>(b)][k] = ids[static_cast<std::size_t>(k)];
  }
  return batch;
}

const ClipTokenizerOptions& ClipTokenizer::options() const {
  return impl_->options;
}
int ClipTokenizer::max_length() const {
  return impl_->options.max_length;
}
std::int64_t ClipTokenizer::bos_id() const {
  return impl_->bos;
}
std::int64_t ClipTokenizer::eos_id() const {
  return impl_->eos;
}
std::int64_t ClipTokenizer::pad_id() const {
  return impl_->pad;
}
std::size_t ClipTokenizer::vocab_size() const {
  return impl_->vocab.size();
}

}  // namespace palette
