// Checking that text a user hands us (prompts, negative prompts) is UTF-8 before any work starts:
// the tokenizer would read it (each bad byte becomes U+FFFD) and a picture be made whose settings
// cannot be written as JSON afterwards.
//
//   palette::check_utf8(prompt, "--prompt");  // throws palette::Error
//
// Thread safety: a pure function.
#pragma once

#include <string>
#include <string_view>

namespace palette {

// Throws palette::Error "<field>: not valid UTF-8 at byte <offset> (0x<byte>)" naming the first byte
// that does not start a well-formed sequence (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF). Reads the text once; allocates only for the message.
void check_utf8(std::string_view text, const std::string& field);

}  // namespace palette
