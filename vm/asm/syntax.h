// The lexical layer of the assembly language (docs/assembly.md), shared by the
// assembler and the disassembler so that what one prints the other reads back
// exactly: tokens of one line, names (bare or quoted), and constant literals
// (ints in decimal, floats in shortest round-trip form, strings with escapes).
//
// Invariant: for every Constant c, parseConstantWord/the string token of
// formatConstant(c) yields a Constant equal to c bit for bit (Constant::operator==),
// and for every name n, reading formatName(n) as a name token yields n.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/program.h"

namespace shapevm::assembly {

enum class TokenKind : uint8_t {
  Word,    // a run of bytes that are not blanks, control characters, '"', ';' or '='
  String,  // "..." with escapes decoded
  Equals,  // '='
};

struct Token {
  TokenKind kind = TokenKind::Word;
  std::string text;     // decoded text (for String, without quotes)
  uint32_t column = 0;  // 1-based byte column where the token starts
};

struct LexError {
  uint32_t column = 0;
  std::string message;
};

// Splits one line (without its '\n') into tokens; a ';' outside a string starts
// a comment. Returns false and fills `error` on a malformed line.
bool lexLine(std::string_view line, std::vector<Token>& tokens, LexError& error);

// A name as the disassembler prints it: bare when it reads back as the same
// word, otherwise as a quoted string.
std::string formatName(std::string_view name);
// A quoted string literal with escapes.
std::string quoteString(std::string_view text);
// True for [A-Za-z_][A-Za-z0-9_]* that is not a float keyword (inf, nan):
// such strings may be written bare as field and method names.
bool isIdentifier(std::string_view text);

// How a constant is written: ints in decimal, floats so that they contain '.',
// 'e', "inf" or "nan" (never mistaken for an int), strings quoted unless
// `bareIdentifiers` and isIdentifier().
std::string formatConstant(const Constant& constant, bool bareIdentifiers);

enum class NumberStatus : uint8_t { Ok, NotANumber, Malformed, OutOfRange };

// A byte string equal for two constants exactly when Constant::operator==
// holds (floats by bits): the key that pools constants in linear time.
std::string constantKey(const Constant& constant);

// Integer literal: [+-]?digits or [+-]?0x hexdigits, within int64.
NumberStatus parseInteger(std::string_view text, int64_t* out);

// The meaning of a Word token where a constant is expected: an int, a float
// (decimal with '.' or exponent, inf, -inf, nan, -nan, nan:0xBITS), a pool
// index ('#N', kind = Index) or, for any other word, a string.
struct ConstantWord {
  enum Kind : uint8_t { Value, Index } kind = Value;
  Constant constant;
  uint32_t index = 0;
};
// Returns a message on error (malformed or out-of-range number), empty on success.
std::string parseConstantWord(std::string_view text, ConstantWord* out);

}  // namespace shapevm::assembly
