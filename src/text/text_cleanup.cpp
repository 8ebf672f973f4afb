// The text repairs of OpenAI's CLIP tokenizer: ftfy.fix_text (without encoding guesses) and
// Python's html.unescape, reimplemented from their documented behaviour.
#include <algorithm>
#include <cstring>

#include "text/unicode_text.h"

namespace palette::text {
namespace {

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char32_t c) {
  return c >= '0' && c <= '9';
}
bool is_hex_digit(char32_t c) {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void append_value(const char32_t* value, std::size_t width, std::u32string& out) {
  for (std::size_t k = 0; k < width && value[k] != 0; ++k) out.push_back(value[k]);
}

// Looks an entity name up in one of the generated tables; names are ASCII, so anything else misses.
const tables::NamedEntity* find_entity(const tables::NamedEntity* table, std::size_t count,
                                       std::u32string_view name) {
  std::string key;
  for (char32_t c : name) {
    if (c >= 0x80) return nullptr;
    key.push_back(static_cast<char>(c));
  }
  const auto* end = table + count;
  const auto* it = std::lower_bound(table, end, key, [](const tables::NamedEntity& e, const std::string& k) {
    return std::strcmp(e.name, k.c_str()) < 0;
  });
  return it != end && key == it->name ? it : nullptr;
}

const tables::CharExpansion* find_expansion(const tables::CharExpansion* table, std::size_t count,
                                            char32_t c) {
  const auto* end = table + count;
  const auto* it = std::lower_bound(table, end, c, [](const auto& e, char32_t v) { return e.from < v; });
  return it != end && it->from == c ? it : nullptr;
}

// html.unescape's rules for a numeric reference: Windows-1252 for the C1 range, U+FFFD for
// surrogates and out-of-range numbers, nothing for non-characters and most controls.
void append_numeric_reference(char32_t number, std::u32string& out) {
  if (const auto* remap = find_expansion(tables::kInvalidCharrefs, tables::kInvalidCharrefsCount, number)) {
    append_value(remap->to, 2, out);
  } else if ((number >= 0xD800 && number <= 0xDFFF) || number > 0x10FFFF) {
    out.push_back(0xFFFD);
  } else if (!std::binary_search(tables::kDroppedCharrefs,
                                 tables::kDroppedCharrefs + tables::kDroppedCharrefsCount, number)) {
    out.push_back(number);
  }
}

// Matches `&#[0-9]+;?` or `&#[xX][0-9a-fA-F]+;?` at s[i] (s[i] == '&'); returns the length
// consumed, 0 when neither matches.
std::size_t numeric_reference(const std::u32string& s, std::size_t i, std::u32string& out) {
  std::size_t j = i + 1;
  if (j >= s.size() || s[j] != '#') return 0;
  ++j;
  const bool hex = j + 1 < s.size() && (s[j] == 'x' || s[j] == 'X') && is_hex_digit(s[j + 1]);
  if (hex) ++j;
  const std::size_t digits_begin = j;
  char32_t number = 0;
  while (j < s.size() && (hex ? is_hex_digit(s[j]) : is_ascii_digit(s[j]))) {
    const char32_t c = s[j];
    const char32_t digit = is_ascii_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    number = std::min<char32_t>(number * (hex ? 16 : 10) + digit, 0x110000);  // saturates out of range
    ++j;
  }
  if (j == digits_begin) return 0;
  if (j < s.size() && s[j] == ';') ++j;
  append_numeric_reference(number, out);
  return j - i;
}

// Matches `&[^\t\n\f <&#;]{1,32};?` at s[i] and resolves it as html.unescape does: the whole
// name, else its longest known prefix (the legacy names such as "&amp" need no ';').
std::size_t named_reference(const std::u32string& s, std::size_t i, std::u32string& out) {
  auto name_char = [](char32_t c) {
    return c != '\t' && c != '\n' && c != '\f' && c != ' ' && c != '<' && c != '&' && c != '#' && c != ';';
  };
  std::size_t j = i + 1;
  while (j < s.size() && j - (i + 1) < 32 && name_char(s[j])) ++j;
  if (j == i + 1) return 0;
  if (j < s.size() && s[j] == ';') ++j;
  const std::u32string_view name(s.data() + i + 1, j - (i + 1));
  if (const auto* e = find_entity(tables::kHtml5Entities, tables::kHtml5EntitiesCount, name)) {
    append_value(e->value, 3, out);
    return j - i;
  }
  for (std::size_t length = name.size() - 1; length >= 2; --length) {
    if (const auto* e =
            find_entity(tables::kHtml5Entities, tables::kHtml5EntitiesCount, name.substr(0, length))) {
      append_value(e->value, 3, out);
      out.append(name.substr(length));
      return j - i;
    }
  }
  out.push_back('&');
  out.append(name);
  return j - i;
}

// ftfy's entity fixer: only `&#?[0-9A-Za-z]{1,24};`, only known names (or their upper-case
// spellings) and numeric references that html.unescape consumes up to the ';'.
std::u32string ftfy_unescape(const std::u32string& s) {
  std::u32string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i + 1;
    if (s[i] != '&') {
      out.push_back(s[i++]);
      continue;
    }
    const bool numeric = j < s.size() && s[j] == '#';
    if (numeric) ++j;
    const std::size_t name_begin = j;
    while (j < s.size() && is_ascii_alnum(s[j])) ++j;
    const std::size_t length = j - name_begin;
    if (length < 1 || length > 24 || j >= s.size() || s[j] != ';') {
      out.push_back(s[i++]);
      continue;
    }
    const std::u32string match = s.substr(i, j + 1 - i);
    const std::u32string_view name(s.data() + i + 1, j - i);  // "name;" or "#123;"
    const auto* e = find_entity(tables::kHtml5Entities, tables::kHtml5EntitiesCount, name);
    if (e == nullptr) e = find_entity(tables::kUpperCaseEntities, tables::kUpperCaseEntitiesCount, name);
    if (e != nullptr) {
      append_value(e->value, 3, out);
    } else if (numeric) {
      const std::u32string decoded = html_unescape(match);
      out.append(decoded.find(U';') == std::u32string::npos ? decoded : match);
    } else {
      out.append(match);
    }
    i = j + 1;
  }
  return out;
}

char32_t c1_as_windows_1252(char32_t c) {
  if (c < 0x80 || c > 0x9F) return c;
  const auto* e = find_expansion(tables::kInvalidCharrefs, tables::kInvalidCharrefsCount, c);
  return e != nullptr ? e->to[0] : c;
}

// Latin ligatures and digraphs that ftfy splits (it keeps æ, œ and the like).
const char32_t* latin_ligature(char32_t c) {
  static constexpr struct {
    char32_t from;
    char32_t to[4];
  } kLigatures[] = {
      {0x0132, U"IJ"},      {0x0133, U"ij"}, {0x0149, U"\u02BCn"}, {0x01C4, U"D\u017D"}, {0x01C5, U"D\u017E"},
      {0x01C6, U"d\u017E"}, {0x01C7, U"LJ"}, {0x01C8, U"Lj"},      {0x01C9, U"lj"},      {0x01CA, U"NJ"},
      {0x01CB, U"Nj"},      {0x01CC, U"nj"}, {0x01F1, U"DZ"},      {0x01F2, U"Dz"},      {0x01F3, U"dz"},
      {0xFB00, U"ff"},      {0xFB01, U"fi"}, {0xFB02, U"fl"},      {0xFB03, U"ffi"},     {0xFB04, U"ffl"},
      {0xFB05, U"\u017Ft"}, {0xFB06, U"st"},
  };
  for (const auto& l : kLigatures) {
    if (l.from == c) return l.to;
  }
  return nullptr;
}

bool is_removed_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

char32_t uncurl_quote(char32_t c) {
  if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) return '\'';
  if (c >= 0x201C && c <= 0x201F) return '"';
  return c;
}

// Fullwidth and halfwidth forms to their usual width, then quotes straightened.
void append_narrowed(char32_t c, std::u32string& out) {
  const tables::CharExpansion* e = nullptr;
  if (c == 0x3000 || (c >= 0xFF01 && c <= 0xFFEF))
    e = find_expansion(tables::kWidthMap, tables::kWidthMapCount, c);
  if (e == nullptr) {
    out.push_back(uncurl_quote(c));
    return;
  }
  for (std::size_t k = 0; k < 2 && e->to[k] != 0; ++k) out.push_back(uncurl_quote(e->to[k]));
}

// The character-by-character fixers, in ftfy's order (C1 controls, ligatures, width, quotes),
// each applied to what the one before produced.
std::u32string fix_characters(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    c = c1_as_windows_1252(c);
    if (const char32_t* expansion = latin_ligature(c)) {
      for (const char32_t* p = expansion; *p != 0; ++p) append_narrowed(*p, out);
    } else {
      append_narrowed(c, out);
    }
  }
  return out;
}

// Line breaks to '\n', then ANSI escapes (ESC [ digits-or-; letter) and invisible controls removed.
std::u32string fix_breaks_and_controls(const std::u32string& s) {
  std::u32string lines;
  lines.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    lines.push_back(c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85 ? U'\n' : c);
  }
  std::u32string out;
  out.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == 0x1B && i + 1 < lines.size() && lines[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < lines.size() && (lines[j] == ';' || has_flag(lines[j], kDecimal))) ++j;
      const char32_t l = j < lines.size() ? (lines[j] | 0x20) : 0;
      const bool letter = l >= 'a' && l <= 'z';
      if (letter) {
        i = j;
        continue;
      }
    }
    if (!is_removed_control(lines[i])) out.push_back(lines[i]);
  }
  return out;
}

}  // namespace

std::u32string html_unescape(const std::u32string& s) {
  if (s.find(U'&') == std::u32string::npos) return s;
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '&') {
      std::size_t used = numeric_reference(s, i, out);
      if (used == 0 && (i + 1 >= s.size() || s[i + 1] != '#')) used = named_reference(s, i, out);
      if (used != 0) {
        i += used;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

std::u32string ftfy_fix_text(const std::u32string& s) {
  constexpr std::size_t kMaxSegment = 1000000;  // ftfy's max_decode_length
  std::u32string out;
  out.reserve(s.size());
  // ftfy treats text containing '<' as real HTML and from that line on leaves entities alone.
  bool unescape = true;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t newline = s.find(U'\n', pos);
    const std::size_t end =
        std::min({newline == std::u32string::npos ? s.size() : newline + 1, pos + kMaxSegment});
    std::u32string segment = s.substr(pos, end - pos);
    if (segment.find(U'<') != std::u32string::npos) unescape = false;
    for (;;) {
      const std::u32string before = segment;
      if (unescape) segment = ftfy_unescape(segment);
      segment = nfc(fix_breaks_and_controls(fix_characters(segment)));
      if (segment == before) break;
    }
    out += segment;
    pos = end;
  }
  return out;
}

}  // namespace palette::text
