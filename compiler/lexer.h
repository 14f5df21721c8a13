// The lexer: Shape source text to a token list, ending with EndOfFile.
//
// Newlines are not tokens. Instead each token records whether a newline came
// before it (`newlineBefore`), and the parser decides where a newline ends a
// statement (it does not inside ( ) or [ ], nor after a binary operator).
// Literals arrive decoded: integers as their 64-bit magnitude, floats as
// doubles, strings with escapes replaced by their UTF-8 bytes. Lexical errors
// are reported to the sink and the lexer carries on, so one run can show
// several of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostic_sink.h"

namespace shapevm {

enum class TokenKind : uint8_t {
  // End, names and literals.
  EndOfFile,
  Identifier,
  Int,
  Float,
  String,
  FString,  // f"text {expression} text"
  // Keywords (KwFunction..KwNot is one contiguous range).
  KwFunction,
  KwFn,
  KwLet,
  KwVar,
  KwConst,
  KwIf,
  KwElse,
  KwWhile,
  KwFor,
  KwIn,
  KwBreak,
  KwContinue,
  KwReturn,
  KwTrue,
  KwFalse,
  KwNone,
  KwType,
  KwTry,
  KwCatch,
  KwThrow,
  KwMatch,
  KwEnum,
  KwLoop,
  KwMut,
  KwPub,
  KwAnd,
  KwOr,
  KwNot,
  // Punctuation and operators.
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Semicolon,
  Colon,
  Dot,
  DotDot,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Assign,
  EqEq,
  NotEq,
  Less,
  LessEq,
  Greater,
  GreaterEq,
  Bang,
  AmpAmp,
  PipePipe,
  Pipe,
  Amp,
  Arrow,
  FatArrow,
  ColonColon,
  Question,
  QuestionQuestion,
  StarStar,
  Caret,
  Tilde,
  ShiftLeft,
  ShiftRight,
  PipeGreater,
  DotDotEq,
  PlusAssign,
  MinusAssign,
  StarAssign,
  SlashAssign,
  PercentAssign,
};

// A piece of an f-string: literal text, or the source span of an expression.
struct FStringPart {
  bool isExpression = false;
  std::string text;     // literal: decoded bytes
  uint32_t offset = 0;  // expression: byte offset in the source
  uint32_t length = 0;
  uint32_t column = 0;  // expression: column of its first byte
};

struct Token {
  TokenKind kind = TokenKind::EndOfFile;
  bool newlineBefore = false;
  bool hexLiteral = false;  // Int written in hex: any 64-bit pattern is allowed
  uint32_t line = 0;
  uint32_t column = 0;             // 1-based, in code points
  std::string_view text;           // the token's source text
  uint64_t intValue = 0;           // Int: magnitude (up to 2^63 for decimal literals)
  double floatValue = 0;           // Float
  std::string stringValue;         // String: decoded bytes
  std::vector<FStringPart> parts;  // FString
};

// `firstLine` is the line number of the source's first line (see SourceFileInfo).
std::vector<Token> lexSource(std::string_view source, DiagnosticSink& sink, uint32_t firstLine = 1);

// How a found token is named in a message: "'foo'", "end of file", ...
std::string describeToken(const Token& token);

}  // namespace shapevm
