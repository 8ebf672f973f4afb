#include <cstdio>

#include "palette/error.h"
#include "palette/utf8.h"
#include "base/utf8_codec.h"

namespace palette {

void check_utf8(std::string_view text, const std::string& field) {
  const auto offset = text::first_invalid_utf8(text);
  if (!offset) return;
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02x", unsigned(static_cast<unsigned char>(text[*offset])));
  throw Error(field + ": not valid UTF-8 at byte " + std::to_string(*offset) + " (" + byte + ")");
}

}  // namespace palette
