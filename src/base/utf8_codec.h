// UTF-8 as the Unicode standard defines it (Table 3-7: no overlong forms, no surrogates, nothing above
// U+10FFFF), shared by the UTF-8 check of user text and the CLIP tokenizer's text handling.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace palette::text {

// Decodes UTF-8, replacing each maximal ill-formed subsequence by one U+FFFD (the Unicode
// recommendation; Python's errors="replace" and Rust's from_utf8_lossy do the same). Never fails.
std::u32string decode_utf8_lossy(std::string_view bytes);
void append_utf8(char32_t c, std::string& out);  // c must be a scalar value
// The offset of the first byte that does not start a well-formed UTF-8 sequence (the same rules:
// no overlong forms, no surrogates, nothing above U+10FFFF); nullopt when the whole text is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view bytes);

}  // namespace palette::text
