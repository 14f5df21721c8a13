// Tokenizer for Shape source (see lexer.h). A hand-written scanner over bytes:
// it never reads past the end of the text, and every error path still advances,
// so it terminates on any input.
#include "compiler/lexer.h"

#include <charconv>
#include <cmath>

namespace shapevm {

namespace {

struct Keyword {
  std::string_view text;
  TokenKind kind;
};

constexpr Keyword kKeywords[] = {
    {"function", TokenKind::KwFunction}, {"fn", TokenKind::KwFn},
    {"let", TokenKind::KwLet},           {"var", TokenKind::KwVar},
    {"const", TokenKind::KwConst},       {"if", TokenKind::KwIf},
    {"else", TokenKind::KwElse},         {"while", TokenKind::KwWhile},
    {"for", TokenKind::KwFor},           {"in", TokenKind::KwIn},
    {"break", TokenKind::KwBreak},       {"continue", TokenKind::KwContinue},
    {"return", TokenKind::KwReturn},     {"true", TokenKind::KwTrue},
    {"false", TokenKind::KwFalse},       {"none", TokenKind::KwNone},
    {"type", TokenKind::KwType},         {"try", TokenKind::KwTry},
    {"catch", TokenKind::KwCatch},       {"throw", TokenKind::KwThrow},
    {"and", TokenKind::KwAnd},           {"or", TokenKind::KwOr},
    {"not", TokenKind::KwNot},           {"match", TokenKind::KwMatch},
    {"enum", TokenKind::KwEnum},         {"loop", TokenKind::KwLoop},
    {"mut", TokenKind::KwMut},           {"pub", TokenKind::KwPub},
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHexDigit(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }
int hexValue(char c) {
  if (isDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the valid UTF-8 sequence starting at text[0], or 0 if invalid.
std::size_t utf8SequenceLength(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  std::size_t length;
  uint32_t cp;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
  bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (overlong || surrogate || cp > 0x10FFFF) return 0;
  return length;
}

class Lexer {
 public:
  Lexer(std::string_view source, DiagnosticSink& sink, uint32_t firstLine)
      : src_(source), sink_(sink), line_(firstLine) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    if (src_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = lineStart_ = 3;  // byte-order mark
    while (true) {
      skipTrivia();
      Token token;
      token.newlineBefore = sawNewline_;
      token.line = line_;
      token.column = column();
      sawNewline_ = false;
      start_ = pos_;
      if (pos_ >= src_.size()) {
        token.kind = TokenKind::EndOfFile;
        tokens.push_back(std::move(token));
        return tokens;
      }
      if (scanToken(token)) {
        token.text = src_.substr(start_, pos_ - start_);
        tokens.push_back(std::move(token));
      }
    }
  }

 private:
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  bool atEnd() const { return pos_ >= src_.size(); }

  uint32_t column() { return columnAt(pos_); }
  // Counts code points from a cached position on the current line, so lexing
  // one very long line stays linear.
  uint32_t columnAt(std::size_t offset) {
    if (cacheLineStart_ != lineStart_ || offset < cacheOffset_) {
      cacheLineStart_ = lineStart_;
      cacheOffset_ = lineStart_;
      cacheColumn_ = 1;
    }
    for (; cacheOffset_ < offset && cacheOffset_ < src_.size(); ++cacheOffset_) {
      if ((static_cast<unsigned char>(src_[cacheOffset_]) & 0xC0) != 0x80) ++cacheColumn_;
    }
    return cacheColumn_;
  }

  void error(std::size_t offset, std::string message) {
    sink_.error(line_, columnAt(offset), std::move(message));
  }

  void newline() {
    ++line_;
    lineStart_ = pos_;
    sawNewline_ = true;
  }

  void skipTrivia() {
    while (!atEnd()) {
      char c = peek();
      if (c == '\n') {
        ++pos_;
        newline();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '/' && peek(1) == '/') {
        while (!atEnd() && peek() != '\n') ++pos_;
      } else if (c == '/' && peek(1) == '*') {
        skipBlockComment();
      } else {
        return;
      }
    }
  }

  void skipBlockComment() {
    uint32_t openLine = line_;
    uint32_t openColumn = column();
    pos_ += 2;
    while (!atEnd()) {
      if (peek() == '*' && peek(1) == '/') {
        pos_ += 2;
        return;
      }
      ++pos_;
      if (src_[pos_ - 1] == '\n') newline();
    }
    sink_.error(openLine, openColumn, "unterminated block comment");
  }

  // Scans one token into `token`; false if the bytes were not a token (an
  // error was reported and they were skipped).
  bool scanToken(Token& token) {
    char c = peek();
    if (c == 'f' && (peek(1) == '"' || peek(1) == '\'')) {
      ++pos_;
      return scanString(token, true);
    }
    if (isIdentStart(c)) {
      while (isIdentChar(peek())) ++pos_;
      std::string_view word = src_.substr(start_, pos_ - start_);
      token.kind = TokenKind::Identifier;
      for (const Keyword& keyword : kKeywords) {
        if (keyword.text == word) token.kind = keyword.kind;
      }
      return true;
    }
    if (isDigit(c)) return scanNumber(token);
    if (c == '"' || c == '\'') return scanString(token);
    ++pos_;
    auto pick = [&](char next, TokenKind ifNext, TokenKind otherwise) {
      if (peek() == next) {
        ++pos_;
        return ifNext;
      }
      return otherwise;
    };
    switch (c) {
      case '(':
        token.kind = TokenKind::LParen;
        return true;
      case ')':
        token.kind = TokenKind::RParen;
        return true;
      case '[':
        token.kind = TokenKind::LBracket;
        return true;
      case ']':
        token.kind = TokenKind::RBracket;
        return true;
      case '{':
        token.kind = TokenKind::LBrace;
        return true;
      case '}':
        token.kind = TokenKind::RBrace;
        return true;
      case ',':
        token.kind = TokenKind::Comma;
        return true;
      case ';':
        token.kind = TokenKind::Semicolon;
        return true;
      case ':':
        token.kind = pick(':', TokenKind::ColonColon, TokenKind::Colon);
        return true;
      case '?':
        token.kind = pick('?', TokenKind::QuestionQuestion, TokenKind::Question);
        return true;
      case '.':
        token.kind = pick('.', TokenKind::DotDot, TokenKind::Dot);
        if (token.kind == TokenKind::DotDot)
          token.kind = pick('=', TokenKind::DotDotEq, token.kind);
        return true;
      case '^':
        token.kind = TokenKind::Caret;
        return true;
      case '~':
        token.kind = TokenKind::Tilde;
        return true;
      case '+':
        token.kind = pick('=', TokenKind::PlusAssign, TokenKind::Plus);
        return true;
      case '*':
        token.kind = pick('*', TokenKind::StarStar, TokenKind::Star);
        if (token.kind == TokenKind::Star)
          token.kind = pick('=', TokenKind::StarAssign, token.kind);
        return true;
      case '/':
        token.kind = pick('=', TokenKind::SlashAssign, TokenKind::Slash);
        return true;
      case '%':
        token.kind = pick('=', TokenKind::PercentAssign, TokenKind::Percent);
        return true;
      case '=':
        token.kind = pick('>', TokenKind::FatArrow, TokenKind::Assign);
        if (token.kind == TokenKind::Assign) token.kind = pick('=', TokenKind::EqEq, token.kind);
        return true;
      case '!':
        token.kind = pick('=', TokenKind::NotEq, TokenKind::Bang);
        return true;
      case '<':
        token.kind = pick('<', TokenKind::ShiftLeft, TokenKind::Less);
        if (token.kind == TokenKind::Less) token.kind = pick('=', TokenKind::LessEq, token.kind);
        return true;
      case '>':
        token.kind = pick('>', TokenKind::ShiftRight, TokenKind::Greater);
        if (token.kind == TokenKind::Greater)
          token.kind = pick('=', TokenKind::GreaterEq, token.kind);
        return true;
      case '&':
        token.kind = pick('&', TokenKind::AmpAmp, TokenKind::Amp);
        return true;
      case '|':
        token.kind = pick('|', TokenKind::PipePipe, TokenKind::Pipe);
        if (token.kind == TokenKind::Pipe)
          token.kind = pick('>', TokenKind::PipeGreater, token.kind);
        return true;
      case '-':
        if (peek() == '>') {
          ++pos_;
          token.kind = TokenKind::Arrow;
        } else {
          token.kind = pick('=', TokenKind::MinusAssign, TokenKind::Minus);
        }
        return true;
      default:
        break;
    }
    // Skip the whole (possibly multi-byte) character so the message names it.
    while (!atEnd() && (static_cast<unsigned char>(peek()) & 0xC0) == 0x80) ++pos_;
    std::string_view bad = src_.substr(start_, pos_ - start_);
    bool printable = bad.size() > 1 || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
    error(start_, printable ? "unexpected character '" + std::string(bad) + "'"
                            : "unexpected character (byte " +
                                  std::to_string(static_cast<unsigned char>(c)) + ")");
    return false;
  }

  // Digits with '_' separators; appends the digits to `out`. False if a '_'
  // is not between two digits.
  bool scanDigits(std::string& out, int base) {
    bool ok = true;
    bool lastWasDigit = false;
    while (true) {
      char c = peek();
      bool digit = base == 16 ? isHexDigit(c) : base == 2 ? (c == '0' || c == '1') : isDigit(c);
      if (digit) {
        out += c;
        lastWasDigit = true;
      } else if (c == '_') {
        if (!lastWasDigit) ok = false;
        lastWasDigit = false;
      } else {
        break;
      }
      ++pos_;
    }
    return ok && lastWasDigit;
  }

  bool scanNumber(Token& token) {
    bool valid = true;
    std::string digits;
    bool binary = peek() == '0' && (peek(1) == 'b' || peek(1) == 'B');
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X' || binary)) {
      pos_ += 2;
      valid = scanDigits(digits, binary ? 2 : 16);
      if (isIdentChar(peek())) valid = false;
      while (isIdentChar(peek())) ++pos_;
      token.kind = TokenKind::Int;
      token.hexLiteral = true;
      if (!valid) {
        error(start_, binary ? "invalid binary literal" : "invalid hexadecimal literal");
        return true;
      }
      std::size_t maxDigits = binary ? 64 : 16;
      if (digits.size() > maxDigits) {
        std::size_t significant = digits.find_first_not_of('0');
        if (significant != std::string::npos && digits.size() - significant > maxDigits) {
          error(start_, "integer literal does not fit in 64 bits");
          return true;
        }
      }
      uint32_t bitsPerDigit = binary ? 1 : 4;
      for (char d : digits) token.intValue = (token.intValue << bitsPerDigit) | hexValue(d);
      return true;
    }

    valid = scanDigits(digits, 10);
    bool isFloat = false;
    std::string text = digits;
    if (peek() == '.' && isDigit(peek(1))) {
      ++pos_;
      text += '.';
      valid = scanDigits(text, 10) && valid;
      isFloat = true;
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (isDigit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && isDigit(peek(2))))) {
      text += 'e';
      ++pos_;
      if (peek() == '+' || peek() == '-') text += src_[pos_++];
      valid = scanDigits(text, 10) && valid;
      isFloat = true;
    }
    if (isIdentChar(peek())) {
      valid = false;
      while (isIdentChar(peek())) ++pos_;
    }
    token.kind = isFloat ? TokenKind::Float : TokenKind::Int;
    if (!valid) {
      error(start_,
            "invalid number literal '" + std::string(src_.substr(start_, pos_ - start_)) + "'");
      return true;
    }
    if (isFloat) {
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), token.floatValue);
      if (ec == std::errc::result_out_of_range) {
        // from_chars reports overflow and underflow alike; decide by the exponent sign.
        bool underflow = text.find("e-") != std::string::npos;
        token.floatValue = underflow ? 0.0 : HUGE_VAL;
      }
      (void)end;
      return true;
    }
    // Decimal integers may reach 2^63, which is only valid right after unary
    // minus (the parser checks that).
    constexpr uint64_t kLimit = uint64_t{1} << 63;
    uint64_t value = 0;
    for (char d : digits) {
      uint64_t digit = static_cast<uint64_t>(d - '0');
      if (value > (kLimit - digit) / 10) {
        error(start_, "integer literal does not fit in 64 bits");
        return true;
      }
      value = value * 10 + digit;
    }
    token.intValue = value;
    return true;
  }

  // A string literal; with `interpolated` an f-string, whose `{expression}`
  // parts are recorded as source spans (`{{` and `}}` are literal braces).
  bool scanString(Token& token, bool interpolated = false) {
    char quote = peek();
    ++pos_;
    token.kind = interpolated ? TokenKind::FString : TokenKind::String;
    std::string& out = token.stringValue;
    while (true) {
      if (atEnd() || peek() == '\n') {
        error(start_, "unterminated string literal");
        return true;
      }
      char c = peek();
      if (c == quote) {
        ++pos_;
        if (interpolated) token.parts.push_back(FStringPart{false, std::move(out), 0, 0, 0});
        return true;
      }
      if (c == '\\') {
        scanEscape(out);
        continue;
      }
      if (interpolated && (c == '{' || c == '}')) {
        if (peek(1) == c) {
          out += c;
          pos_ += 2;
          continue;
        }
        if (c == '}') {
          error(pos_, "single '}' in an f-string (write '}}')");
          ++pos_;
          continue;
        }
        token.parts.push_back(FStringPart{false, std::move(out), 0, 0, 0});
        out.clear();
        if (!scanInterpolation(token, quote)) {
          if (peek() == quote) ++pos_;
          return true;
        }
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x80) {
        out += c;
        ++pos_;
        continue;
      }
      std::size_t length = utf8SequenceLength(src_.substr(pos_));
      if (length == 0) {
        error(pos_, "invalid UTF-8 in string literal");
        ++pos_;
        continue;
      }
      out.append(src_.substr(pos_, length));
      pos_ += length;
    }
  }

  // After an f-string's '{': the expression up to the matching '}' (braces
  // nest; the f-string's own quote character may not appear inside).
  bool scanInterpolation(Token& token, char quote) {
    std::size_t open = pos_++;
    std::size_t begin = pos_;
    int depth = 0;
    while (!atEnd() && peek() != '\n' && peek() != quote) {
      char c = peek();
      if (c == '}' && depth == 0) break;
      if (c == '{') ++depth;
      if (c == '}') --depth;
      ++pos_;
    }
    if (peek() != '}') {
      error(open, "expected '}' to close the f-string's '{'");
      return false;
    }
    if (pos_ == begin) {
      error(open, "empty '{}' in an f-string");
    } else {
      token.parts.push_back(FStringPart{true, "", static_cast<uint32_t>(begin),
                                        static_cast<uint32_t>(pos_ - begin), columnAt(begin)});
    }
    ++pos_;
    return true;
  }

  void scanEscape(std::string& out) {
    std::size_t escapeStart = pos_;
    ++pos_;  // the backslash
    char c = peek();
    if (atEnd() || c == '\n') return;  // reported as unterminated by the caller
    ++pos_;
    switch (c) {
      case 'n':
        out += '\n';
        return;
      case 't':
        out += '\t';
        return;
      case 'r':
        out += '\r';
        return;
      case '\\':
        out += '\\';
        return;
      case '"':
        out += '"';
        return;
      case '\'':
        out += '\'';
        return;
      case '0':
        out += '\0';
        return;
      case 'u':
        break;
      default:
        error(escapeStart, std::string("unknown escape sequence '\\") + c + "'");
        return;
    }
    if (peek() != '{') {
      error(escapeStart, "expected '{' after '\\u' (write \\u{1F600})");
      return;
    }
    ++pos_;
    uint32_t cp = 0;
    int count = 0;
    while (isHexDigit(peek())) {
      if (count < 7) cp = (cp << 4) | hexValue(peek());
      ++count;
      ++pos_;
    }
    if (peek() != '}' || count == 0) {
      error(escapeStart, "malformed unicode escape (write \\u{1F600})");
      return;
    }
    ++pos_;
    if (count > 6 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      error(escapeStart, "invalid unicode code point in escape");
      return;
    }
    appendUtf8(out, cp);
  }

  std::string_view src_;
  DiagnosticSink& sink_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  std::size_t lineStart_ = 0;
  std::size_t cacheLineStart_ = 0;
  std::size_t cacheOffset_ = 0;
  uint32_t cacheColumn_ = 1;
  uint32_t line_ = 1;
  bool sawNewline_ = false;
};

}  // namespace

std::vector<Token> lexSource(std::string_view source, DiagnosticSink& sink, uint32_t firstLine) {
  return Lexer(source, sink, firstLine).run();
}

std::string describeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::EndOfFile:
      return "end of file";
    case TokenKind::String:
    case TokenKind::FString:
      return "string literal";
    default:
      return "'" + std::string(token.text) + "'";
  }
}

}  // namespace shapevm
