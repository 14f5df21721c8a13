// Tokens and literals of the assembly language (see syntax.h). Everything here
// works on bytes: names and strings may hold any UTF-8 (or any bytes at all),
// and every column is a 1-based byte column.
#include "asm/syntax.h"

#include <fmt/format.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

#include "bytecode/opcodes.h"

namespace shapevm::assembly {

namespace {

constexpr uint64_t kCanonicalNan = 0x7ff8000000000000ull;
constexpr uint64_t kNegativeNan = 0xfff8000000000000ull;

bool isBlank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool isWordByte(unsigned char c) {
  return c > 0x20 && c != 0x7f && c != '"' && c != ';' && c != '=';
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lexes the string literal whose opening quote is at `line[start]`; on success
// `*end` is the index just past the closing quote.
bool lexString(std::string_view line, std::size_t start, Token& token, std::size_t* end,
               LexError& error) {
  token.kind = TokenKind::String;
  std::size_t i = start + 1;
  while (i < line.size()) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c == '"') {
      *end = i + 1;
      return true;
    }
    if (c == '\\') {
      if (i + 1 >= line.size()) break;
      char escape = line[i + 1];
      switch (escape) {
        case 'n':
          token.text += '\n';
          break;
        case 't':
          token.text += '\t';
          break;
        case 'r':
          token.text += '\r';
          break;
        case '0':
          token.text += '\0';
          break;
        case '\\':
          token.text += '\\';
          break;
        case '"':
          token.text += '"';
          break;
        case 'x': {
          int high = i + 2 < line.size() ? hexDigit(line[i + 2]) : -1;
          int low = i + 3 < line.size() ? hexDigit(line[i + 3]) : -1;
          if (high < 0 || low < 0) {
            error = {static_cast<uint32_t>(i + 1), "\\x must be followed by two hex digits"};
            return false;
          }
          token.text += static_cast<char>(high * 16 + low);
          i += 2;
          break;
        }
        default:
          error = {static_cast<uint32_t>(i + 1),
                   fmt::format("unknown escape '\\{}' (use \\n \\t \\r \\0 \\\\ \\\" \\xHH)",
                               static_cast<unsigned char>(escape) >= 0x20 && escape != 0x7f
                                   ? std::string(1, escape)
                                   : fmt::format("x{:02x}", static_cast<unsigned char>(escape)))};
          return false;
      }
      i += 2;
      continue;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      error = {static_cast<uint32_t>(i + 1),
               fmt::format("control byte 0x{:02x} in a string (write it as \\x{:02x})", c, c)};
      return false;
    }
    token.text += static_cast<char>(c);
    ++i;
  }
  error = {static_cast<uint32_t>(start + 1), "unterminated string"};
  return false;
}

// Parses an unsigned magnitude in `digits` (decimal, or hex after "0x").
NumberStatus parseMagnitude(std::string_view digits, uint64_t limit, uint64_t* out) {
  unsigned base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  if (digits.empty()) return NumberStatus::Malformed;
  uint64_t value = 0;
  bool overflow = false;
  for (char c : digits) {
    int digit = base == 16 ? hexDigit(c) : (isDigit(c) ? c - '0' : -1);
    if (digit < 0) return NumberStatus::Malformed;
    if (value > (limit - static_cast<uint64_t>(digit)) / base) overflow = true;
    if (!overflow) value = value * base + static_cast<uint64_t>(digit);
  }
  if (overflow) return NumberStatus::OutOfRange;
  *out = value;
  return NumberStatus::Ok;
}

// Decimal float syntax: digits with a '.' or an exponent (at least one digit).
bool looksLikeFloat(std::string_view body) {
  std::size_t i = 0;
  std::size_t digits = 0;
  while (i < body.size() && isDigit(body[i])) ++i, ++digits;
  bool dot = i < body.size() && body[i] == '.';
  if (dot) {
    ++i;
    while (i < body.size() && isDigit(body[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  bool exponent = i < body.size() && (body[i] == 'e' || body[i] == 'E');
  if (exponent) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    std::size_t expDigits = 0;
    while (i < body.size() && isDigit(body[i])) ++i, ++expDigits;
    if (expDigits == 0) return false;
  }
  return i == body.size() && (dot || exponent);
}

bool isNanBits(uint64_t bits) {
  return (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
         (bits & 0x000fffffffffffffull) != 0;
}

std::string formatFloat(double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  if (std::isnan(value)) {
    if (bits == kCanonicalNan) return "nan";
    if (bits == kNegativeNan) return "-nan";
    return fmt::format("nan:0x{:016x}", bits);
  }
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round trip
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

bool lexLine(std::string_view line, std::vector<Token>& tokens, LexError& error) {
  tokens.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    auto c = static_cast<unsigned char>(line[i]);
    if (isBlank(c)) {
      ++i;
      continue;
    }
    if (c == ';') break;
    Token token;
    token.column = static_cast<uint32_t>(i + 1);
    if (c == '=') {
      token.kind = TokenKind::Equals;
      token.text = "=";
      ++i;
    } else if (c == '"') {
      if (!lexString(line, i, token, &i, error)) return false;
    } else if (isWordByte(c)) {
      std::size_t start = i;
      while (i < line.size() && isWordByte(static_cast<unsigned char>(line[i]))) ++i;
      token.text = std::string(line.substr(start, i - start));
    } else {
      error = {token.column, fmt::format("unexpected control byte 0x{:02x}", c)};
      return false;
    }
    tokens.push_back(std::move(token));
  }
  return true;
}

std::string quoteString(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
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
        if (c >= 0x20 && c < 0x7f) {
          out += ch;
        } else {
          out += fmt::format("\\x{:02x}", c);
        }
    }
  }
  out += '"';
  return out;
}

std::string formatName(std::string_view name) {
  if (name.empty()) return quoteString(name);
  for (char c : name) {
    if (!isWordByte(static_cast<unsigned char>(c))) return quoteString(name);
  }
  return std::string(name);
}

bool isIdentifier(std::string_view text) {
  if (text.empty() || isDigit(text[0]) || text == "inf" || text == "nan") return false;
  for (char c : text) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !isDigit(c)) return false;
  }
  return true;
}

std::string formatConstant(const Constant& constant, bool bareIdentifiers) {
  switch (constant.kind) {
    case ConstantKind::Int:
      return std::to_string(constant.intValue);
    case ConstantKind::Float:
      return formatFloat(constant.floatValue);
    case ConstantKind::String:
      if (bareIdentifiers && isIdentifier(constant.stringValue)) return constant.stringValue;
      return quoteString(constant.stringValue);
  }
  return "?";
}

std::string constantKey(const Constant& constant) {
  std::string key(1, static_cast<char>(constant.kind));
  uint64_t bits = 0;
  switch (constant.kind) {
    case ConstantKind::Int:
      bits = static_cast<uint64_t>(constant.intValue);
      break;
    case ConstantKind::Float:
      bits = std::bit_cast<uint64_t>(constant.floatValue);
      break;
    case ConstantKind::String:
      return key + constant.stringValue;
  }
  key.append(reinterpret_cast<const char*>(&bits), sizeof bits);
  return key;
}

NumberStatus parseInteger(std::string_view text, int64_t* out) {
  bool negative = false;
  std::string_view body = text;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty() || !isDigit(body[0])) return NumberStatus::NotANumber;
  uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
  uint64_t magnitude = 0;
  NumberStatus status = parseMagnitude(body, limit, &magnitude);
  if (status != NumberStatus::Ok) return status;
  *out = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return NumberStatus::Ok;
}

std::string parseConstantWord(std::string_view text, ConstantWord* out) {
  out->kind = ConstantWord::Value;
  if (text.empty()) return "expected a constant";
  if (text[0] == '#') {
    uint64_t index = 0;
    std::string_view digits = text.substr(1);
    if (digits.empty() || !isDigit(digits[0]) ||
        parseMagnitude(digits, kMaxOperandA, &index) != NumberStatus::Ok) {
      return fmt::format("malformed constant index '{}' (expected #N with N <= {})", text,
                         kMaxOperandA);
    }
    out->kind = ConstantWord::Index;
    out->index = static_cast<uint32_t>(index);
    return {};
  }
  bool negative = text[0] == '-';
  std::string_view body = text;
  if (text[0] == '+' || text[0] == '-') body.remove_prefix(1);
  double sign = negative ? -1.0 : 1.0;
  if (body == "inf") {
    out->constant = Constant::ofFloat(sign * std::numeric_limits<double>::infinity());
    return {};
  }
  if (body == "nan") {
    out->constant =
        Constant::ofFloat(std::bit_cast<double>(negative ? kNegativeNan : kCanonicalNan));
    return {};
  }
  if (body.starts_with("nan:")) {
    uint64_t bits = 0;
    std::string_view hex = body.substr(4);
    if (text[0] == '+' || negative || !hex.starts_with("0x") ||
        parseMagnitude(hex, std::numeric_limits<uint64_t>::max(), &bits) != NumberStatus::Ok ||
        !isNanBits(bits)) {
      return fmt::format("malformed NaN '{}' (expected nan:0x followed by the 64 bits of a NaN)",
                         text);
    }
    out->constant = Constant::ofFloat(std::bit_cast<double>(bits));
    return {};
  }
  bool numeric = !body.empty() && (isDigit(body[0]) || body[0] == '.');
  if (!numeric) {
    if (body.size() != text.size()) return fmt::format("malformed number '{}'", text);
    out->constant = Constant::ofString(std::string(text));
    return {};
  }
  if (looksLikeFloat(body)) {
    double value = 0;
    auto result = std::from_chars(body.data(), body.data() + body.size(), value);
    if (result.ec == std::errc::result_out_of_range) {
      return fmt::format("float literal '{}' is out of range", text);
    }
    if (result.ec != std::errc() || result.ptr != body.data() + body.size()) {
      return fmt::format("malformed number '{}'", text);
    }
    out->constant = Constant::ofFloat(sign * value);
    return {};
  }
  int64_t value = 0;
  switch (parseInteger(text, &value)) {
    case NumberStatus::Ok:
      out->constant = Constant::ofInt(value);
      return {};
    case NumberStatus::OutOfRange:
      return fmt::format("integer literal '{}' does not fit in 64 bits", text);
    default:
      return fmt::format("malformed number '{}'", text);
  }
}

}  // namespace shapevm::assembly
