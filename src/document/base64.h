// Base64 (RFC 4648, standard alphabet) for the PNG data inside palette files. Written here because
// none of the engine's dependencies (LibTorch, nlohmann/json, stb) offers it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace palette::document {

std::string base64_encode(const uint8_t* data, size_t size);  // padded with '=', no line breaks

// Decodes `text`, skipping ASCII whitespace (some tools wrap lines) and accepting missing padding.
// Throws palette::Error ("invalid base64: character '%' at offset 12") for anything else.
std::vector<uint8_t> base64_decode(std::string_view text);

}  // namespace palette::document
