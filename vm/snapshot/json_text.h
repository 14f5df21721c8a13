// Lossless text in snapshot JSON. A JSON string must be Unicode, but guest
// strings, paths and arguments are arbitrary bytes. Encoding ("Text" in
// docs/snapshot-format.md):
// - bytes that are valid UTF-8 are written as a JSON string; `"`, `\` and the
//   control characters U+0000-U+001F and U+007F are escaped (\" \\ \n \t \r,
//   else \u00XX), everything else is copied as is;
// - any other byte sequence is written as {"bytes": "<lowercase hex>"}.
// Decoding a JSON string yields exactly its UTF-8 bytes (simdjson checks the
// whole file is valid UTF-8 and unescapes \u0000 to a NUL byte), so both forms
// round-trip every byte string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shapevm {

// Appends `bytes` as a JSON string literal (caller guarantees valid UTF-8).
void appendJsonString(std::string& out, std::string_view bytes);
// Appends `bytes` in the lossless Text encoding above.
void appendText(std::string& out, std::string_view bytes);
// Appends 16 lowercase hex digits.
void appendHex64(std::string& out, uint64_t value);

// Whether appendText writes `bytes` as they are between quotes: printable
// ASCII without `"` or `\`, as most guest strings are.
bool isPlainText(std::string_view bytes);

// Bytes of a 64-bit word (text loaded little-endian, 8 bytes at a time): the
// top bit of each byte of `word` that is zero (zeroBytes) or below `limit`
// (bytesBelow, at most 0x80). Borrows may mark bytes after the first one
// found, never before it: the lowest mark is exact, and so is "none".
inline uint64_t zeroBytes(uint64_t word) {
  return (word - 0x0101010101010101) & ~word & 0x8080808080808080;
}
inline uint64_t bytesBelow(uint64_t word, uint8_t limit) {
  return (word - 0x0101010101010101 * limit) & ~word & 0x8080808080808080;
}

// Decodes lowercase hex; false on odd length or any other character.
bool decodeHex(std::string_view hex, std::string* out);
// Exactly 16 lowercase hex digits.
bool parseHex64(std::string_view hex, uint64_t* out);

}  // namespace shapevm
