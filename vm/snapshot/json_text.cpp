// Lossless text encoding for snapshot JSON (see json_text.h).
#include "snapshot/json_text.h"

#include <bit>
#include <cstring>

#include "core/utf8.h"
#include "snapshot/snapshot_keys.h"

namespace shapevm {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Lowercase only: every hex field has exactly one spelling, so an edit that
// only changes letter case is still a change the checksum catches.
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void appendJsonString(std::string& out, std::string_view bytes) {
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes copied verbatim
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) continue;
    out.append(bytes.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out += kHexDigits[c >> 4];
        out += kHexDigits[c & 15];
    }
  }
  out.append(bytes.data() + run, bytes.size() - run);
  out += '"';
}

void appendText(std::string& out, std::string_view bytes) {
  if (isValidUtf8(bytes)) {
    appendJsonString(out, bytes);
    return;
  }
  out += snapshot_key::kBytes.opening();
  out += '"';
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out += kHexDigits[c >> 4];
    out += kHexDigits[c & 15];
  }
  out += "\"}";
}

bool isPlainText(std::string_view bytes) {
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    for (; i + 8 <= bytes.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      // A byte from 0x80 on, DEL, a control character, `"` or `\`: not plain.
      if ((word & 0x8080808080808080) != 0 || zeroBytes(word ^ 0x7f7f7f7f7f7f7f7f) != 0 ||
          bytesBelow(word, 0x20) != 0 || zeroBytes(word ^ 0x2222222222222222) != 0 ||
          zeroBytes(word ^ 0x5c5c5c5c5c5c5c5c) != 0) {
        return false;
      }
    }
  }
  for (; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

void appendHex64(std::string& out, uint64_t value) {
  char digits[16];
  for (int i = 15; i >= 0; --i) {
    digits[i] = kHexDigits[value & 15];
    value >>= 4;
  }
  out.append(digits, 16);
}

bool decodeHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int high = hexValue(hex[i]);
    int low = hexValue(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    out->push_back(static_cast<char>(high * 16 + low));
  }
  return true;
}

bool parseHex64(std::string_view hex, uint64_t* out) {
  if (hex.size() != 16) return false;
  uint64_t value = 0;
  for (char c : hex) {
    int digit = hexValue(c);
    if (digit < 0) return false;
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  *out = value;
  return true;
}

}  // namespace shapevm
