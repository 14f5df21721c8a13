// Base64 (RFC 4648, standard alphabet, with `=` padding) for the binary
// program a snapshot embeds: a third of the size of hex, and still a plain
// JSON string. Decoding is strict: the length must be a multiple of four,
// every character must be of the alphabet, padding only at the end and the
// unused bits of the last character zero, so each byte string has exactly
// one encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shapevm {

void appendBase64(std::string& out, const std::vector<uint8_t>& bytes);
// False (and `out` unspecified) on anything that is not canonical base64.
bool decodeBase64(std::string_view text, std::vector<uint8_t>* out);

}  // namespace shapevm
