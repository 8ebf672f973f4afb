// Character classes, NFC and lower-casing over the generated tables.
#include "text/unicode_text.h"

#include <algorithm>

namespace palette::text {
namespace {

// Hangul syllables decompose and compose by arithmetic (Unicode §3.12), not through the tables.
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

int combining_class(char32_t c) {
  if (c < 0x300) return 0;
  const auto* begin = tables::kCombiningClass;
  const auto* end = begin + tables::kCombiningClassCount;
  const auto* it = std::upper_bound(begin, end, c, [](char32_t v, const auto& r) { return v < r.first; });
  if (it == begin || c > (it - 1)->last) return 0;
  return (it - 1)->combining_class;
}

void append_decomposition(char32_t c, std::u32string& out) {
  if (c >= kSBase && c < kSBase + kSCount) {
    const char32_t index = c - kSBase;
    out.push_back(kLBase + index / kNCount);
    out.push_back(kVBase + (index % kNCount) / kTCount);
    if (index % kTCount != 0) out.push_back(kTBase + index % kTCount);
    return;
  }
  const auto* begin = tables::kCanonicalDecompositions;
  const auto* end = begin + tables::kCanonicalDecompositionsCount;
  const auto* it = std::lower_bound(begin, end, c, [](const auto& d, char32_t v) { return d.from < v; });
  if (it == end || it->from != c) {
    out.push_back(c);
    return;
  }
  for (char32_t part : it->to) {
    if (part == 0) break;
    out.push_back(part);
  }
}

// The primary composite of (first, second), or 0.
char32_t compose_pair(char32_t first, char32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount) {
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  }
  if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 && second > kTBase &&
      second < kTBase + kTCount) {
    return first + (second - kTBase);
  }
  const auto* begin = tables::kCompositions;
  const auto* end = begin + tables::kCompositionsCount;
  const auto* it = std::lower_bound(
      begin, end, std::make_pair(first, second),
      [](const auto& e, const auto& key) { return std::make_pair(e.first, e.second) < key; });
  return it != end && it->first == first && it->second == second ? it->composed : 0;
}

// Canonical ordering: stable sort of each run of non-starters by combining class.
void reorder_marks(std::u32string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (combining_class(s[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && combining_class(s[j]) != 0) ++j;
    std::stable_sort(s.begin() + static_cast<std::ptrdiff_t>(i), s.begin() + static_cast<std::ptrdiff_t>(j),
                     [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
}

void compose(std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t starter = std::u32string::npos;
  for (char32_t c : s) {
    const int ccc = combining_class(c);
    if (starter != std::u32string::npos) {
      // Marks are canonically ordered, so only the character just before c can block it.
      const bool adjacent = out.size() - 1 == starter;
      if (adjacent || combining_class(out.back()) < ccc) {
        if (char32_t composite = compose_pair(out[starter], c)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    out.push_back(c);
    if (ccc == 0) starter = out.size() - 1;
  }
  s.swap(out);
}

char32_t simple_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  const auto* begin = tables::kLowercase;
  const auto* end = begin + tables::kLowercaseCount;
  const auto* it = std::lower_bound(begin, end, c, [](const auto& m, char32_t v) { return m.from < v; });
  return it != end && it->from == c ? it->to : c;
}

// Python's Final_Sigma test: a cased letter before (skipping case-ignorable characters) and none
// after.
bool is_final_sigma(const std::u32string& s, std::size_t i) {
  std::size_t j = i;
  bool cased_before = false;
  while (j > 0) {
    --j;
    if (!has_flag(s[j], kCaseIgnorable)) {
      cased_before = has_flag(s[j], kCased);
      break;
    }
  }
  if (!cased_before) return false;
  for (std::size_t k = i + 1; k < s.size(); ++k) {
    if (!has_flag(s[k], kCaseIgnorable)) return !has_flag(s[k], kCased);
  }
  return true;
}

}  // namespace


std::uint8_t char_flags(char32_t c) {
  const auto* begin = tables::kCharFlags;
  const auto* end = begin + tables::kCharFlagsCount;
  const auto* it = std::upper_bound(begin, end, c, [](char32_t v, const auto& r) { return v < r.first; });
  if (it == begin || c > (it - 1)->last) return 0;
  return (it - 1)->flags;
}

std::u32string nfc(const std::u32string& s) {
  // Below U+0300 every string is already in NFC: nothing there decomposes into, or combines with,
  // a mark.
  if (std::all_of(s.begin(), s.end(), [](char32_t c) { return c < 0x300; })) return s;
  std::u32string out;
  out.reserve(s.size() + 8);
  for (char32_t c : s) append_decomposition(c, out);
  reorder_marks(out);
  compose(out);
  return out;
}

std::u32string to_lower(const std::u32string& s, bool final_sigma) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == 0x03A3) {
      out.push_back(final_sigma && is_final_sigma(s, i) ? 0x03C2 : 0x03C3);
      continue;
    }
    const auto* begin = tables::kLowercaseExpansions;
    const auto* end = begin + tables::kLowercaseExpansionsCount;
    const auto* it = c < 0x80 ? end : std::find_if(begin, end, [c](const auto& e) { return e.from == c; });
    if (it == end) {
      out.push_back(simple_lower(c));
      continue;
    }
    for (char32_t part : it->to) {
      if (part == 0) break;
      out.push_back(part);
    }
  }
  return out;
}

std::u32string python_strip(const std::u32string& s) {
  std::size_t begin = 0, end = s.size();
  while (begin < end && has_flag(s[begin], kPythonSpace)) ++begin;
  while (end > begin && has_flag(s[end - 1], kPythonSpace)) --end;
  return s.substr(begin, end - begin);
}

}  // namespace palette::text
