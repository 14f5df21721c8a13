// Base64 encoding and strict decoding (see base64.h).
#include "snapshot/base64.h"

#include <array>

namespace shapevm {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int8_t kNotBase64 = -1;

constexpr std::array<int8_t, 256> makeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (int8_t& entry : table) entry = kNotBase64;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecode = makeDecodeTable();

}  // namespace

void appendBase64(std::string& out, const std::vector<uint8_t>& bytes) {
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(group >> shift) & 63];
  }
  std::size_t left = bytes.size() - i;
  if (left == 0) return;
  uint32_t group = uint32_t{bytes[i]} << 16 | (left == 2 ? uint32_t{bytes[i + 1]} << 8 : 0);
  out += kAlphabet[(group >> 18) & 63];
  out += kAlphabet[(group >> 12) & 63];
  out += left == 2 ? kAlphabet[(group >> 6) & 63] : '=';
  out += '=';
}

bool decodeBase64(std::string_view text, std::vector<uint8_t>* out) {
  if (text.size() % 4 != 0) return false;
  out->clear();
  out->reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int padding = 0;
    if (last && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    uint32_t group = 0;
    for (int k = 0; k < 4; ++k) {
      int8_t digit = k >= 4 - padding ? 0 : kDecode[static_cast<unsigned char>(text[i + k])];
      if (digit == kNotBase64) return false;
      group = group << 6 | static_cast<uint32_t>(digit);
    }
    out->push_back(static_cast<uint8_t>(group >> 16));
    if (padding == 2) return (group & 0xffff) == 0;
    out->push_back(static_cast<uint8_t>(group >> 8));
    if (padding == 1) return (group & 0xff) == 0;
    out->push_back(static_cast<uint8_t>(group));
  }
  return true;
}

}  // namespace shapevm
