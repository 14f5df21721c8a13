// Lexer tests: every token kind, number and string literal forms, escapes,
// newline tracking, positions, and lexical errors.
#include "compiler/lexer.h"

#include <catch2/catch.hpp>
#include <cmath>

namespace shapevm {
namespace {

struct Lexed {
  std::vector<Token> tokens;
  std::vector<Diagnostic> errors;
};

Lexed lex(std::string_view source) {
  DiagnosticSink sink(source, "t.shape");
  Lexed out;
  out.tokens = lexSource(source, sink);
  out.errors = sink.takeErrors();
  return out;
}

std::vector<TokenKind> kinds(std::string_view source) {
  std::vector<TokenKind> result;
  for (const Token& t : lex(source).tokens) result.push_back(t.kind);
  return result;
}

Token single(const Lexed& lexed) {
  REQUIRE(lexed.errors.empty());
  REQUIRE(lexed.tokens.size() == 2);
  return lexed.tokens[0];
}

TEST_CASE("lexer: keywords and identifiers", "[lexer]") {
  using K = TokenKind;
  CHECK(kinds("function fn let var const if else while for in break continue return") ==
        std::vector<K>{K::KwFunction, K::KwFn, K::KwLet, K::KwVar, K::KwConst, K::KwIf, K::KwElse,
                       K::KwWhile, K::KwFor, K::KwIn, K::KwBreak, K::KwContinue, K::KwReturn,
                       K::EndOfFile});
  CHECK(kinds("true false none type try catch throw and or not") ==
        std::vector<K>{K::KwTrue, K::KwFalse, K::KwNone, K::KwType, K::KwTry, K::KwCatch,
                       K::KwThrow, K::KwAnd, K::KwOr, K::KwNot, K::EndOfFile});
  Lexed ids = lex("_x x1 letter functions Fn");
  REQUIRE(ids.tokens.size() == 6);
  for (int i = 0; i < 5; ++i) CHECK(ids.tokens[i].kind == K::Identifier);
  CHECK(ids.tokens[2].text == "letter");
}

TEST_CASE("lexer: operators and punctuation", "[lexer]") {
  using K = TokenKind;
  CHECK(
      kinds("( ) [ ] { } , ; : . .. + - * / % = == != < <= > >= ! && || | & -> ? += -= *= /= %=") ==
      std::vector<K>{K::LParen,     K::RParen,      K::LBracket,   K::RBracket,    K::LBrace,
                     K::RBrace,     K::Comma,       K::Semicolon,  K::Colon,       K::Dot,
                     K::DotDot,     K::Plus,        K::Minus,      K::Star,        K::Slash,
                     K::Percent,    K::Assign,      K::EqEq,       K::NotEq,       K::Less,
                     K::LessEq,     K::Greater,     K::GreaterEq,  K::Bang,        K::AmpAmp,
                     K::PipePipe,   K::Pipe,        K::Amp,        K::Arrow,       K::Question,
                     K::PlusAssign, K::MinusAssign, K::StarAssign, K::SlashAssign, K::PercentAssign,
                     K::EndOfFile});
  // `0..n` is a range, not a float.
  CHECK(kinds("0..n") == std::vector<K>{K::Int, K::DotDot, K::Identifier, K::EndOfFile});
  // `1.abs()` is a method call on an int.
  CHECK(kinds("1.abs") == std::vector<K>{K::Int, K::Dot, K::Identifier, K::EndOfFile});
}

TEST_CASE("lexer: integer literals", "[lexer]") {
  CHECK(single(lex("42")).intValue == 42);
  CHECK(single(lex("0x2A")).intValue == 42);
  CHECK(single(lex("0XfF")).intValue == 255);
  CHECK(single(lex("1_000")).intValue == 1000);
  CHECK(single(lex("1_000_000")).intValue == 1000000);
  CHECK(single(lex("0xFFFF_FFFF")).intValue == 0xFFFFFFFFu);
  CHECK(single(lex("9223372036854775807")).intValue == 9223372036854775807ull);
  // 2^63 lexes (it is valid after unary minus; the parser decides).
  CHECK(single(lex("9223372036854775808")).intValue == 9223372036854775808ull);
  // Hex literals denote 64-bit patterns.
  Token hex = single(lex("0xFFFFFFFFFFFFFFFF"));
  CHECK(hex.hexLiteral);
  CHECK(hex.intValue == UINT64_MAX);
  CHECK(single(lex("0x000000000000000001")).intValue == 1);
}

TEST_CASE("lexer: float literals", "[lexer]") {
  Token a = single(lex("1.5"));
  CHECK(a.kind == TokenKind::Float);
  CHECK(a.floatValue == 1.5);
  CHECK(single(lex("1e9")).floatValue == 1e9);
  CHECK(single(lex("1e9")).kind == TokenKind::Float);
  CHECK(single(lex("2.5e-3")).floatValue == 2.5e-3);
  CHECK(single(lex("2.5E+3")).floatValue == 2500.0);
  CHECK(single(lex("1_0.2_5")).floatValue == 10.25);
  CHECK(single(lex("0.1")).floatValue == 0.1);
  CHECK(std::isinf(single(lex("1e999")).floatValue));
  CHECK(single(lex("1e-999")).floatValue == 0.0);
}

TEST_CASE("lexer: bad numbers are errors", "[lexer]") {
  for (const char* text : {"99999999999999999999", "9223372036854775809", "0x1_0000_0000_0000_0000",
                           "12abc", "1__0", "1_", "0x", "0xZZ", "1.5x"}) {
    INFO(text);
    CHECK(lex(text).errors.size() == 1);
  }
  Lexed big = lex("let x = 99999999999999999999");
  REQUIRE(big.errors.size() == 1);
  CHECK(big.errors[0].message == "integer literal does not fit in 64 bits");
  CHECK(big.errors[0].column == 9);
}

TEST_CASE("lexer: string literals and escapes", "[lexer]") {
  CHECK(single(lex(R"("hello")")).stringValue == "hello");
  CHECK(single(lex(R"('single')")).stringValue == "single");
  CHECK(single(lex(R"("a\nb\tc\rd\\e\"f\'g")")).stringValue == "a\nb\tc\rd\\e\"f'g");
  CHECK(single(lex(R"('it\'s "quoted"')")).stringValue == "it's \"quoted\"");
  std::string withNul = single(lex(R"("a\0b")")).stringValue;
  CHECK(withNul == std::string("a\0b", 3));
  CHECK(single(lex(R"("\u{41}")")).stringValue == "A");
  CHECK(single(lex(R"("\u{e9}")")).stringValue == "\xC3\xA9");
  CHECK(single(lex(R"("\u{20AC}")")).stringValue == "\xE2\x82\xAC");
  CHECK(single(lex(R"("\u{1F600}")")).stringValue == "\xF0\x9F\x98\x80");
  CHECK(single(lex(R"("\u{10FFFF}")")).stringValue == "\xF4\x8F\xBF\xBF");
  CHECK(single(lex("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"")).stringValue ==
        "caf\xC3\xA9 \xF0\x9F\x98\x80");
  CHECK(single(lex(R"("")")).stringValue.empty());
}

TEST_CASE("lexer: string errors", "[lexer]") {
  for (const char* text :
       {R"("\q")", R"("\u{D800}")", R"("\u{110000}")", R"("\u{}")", R"("\u41")", R"("\u{1234567}")",
        "\"abc", "\"abc\ndef\"", "\"bad \xFF utf8\"", "\"overlong \xC0\xAF\""}) {
    INFO(text);
    CHECK(!lex(text).errors.empty());
  }
  Lexed unterminated = lex("let s = \"abc");
  REQUIRE(unterminated.errors.size() == 1);
  CHECK(unterminated.errors[0].message == "unterminated string literal");
  CHECK(unterminated.errors[0].column == 9);
}

TEST_CASE("lexer: comments, newlines and positions", "[lexer]") {
  Lexed lexed = lex("a // comment\n  b /* multi\nline */ c;d\n\n\te");
  REQUIRE(lexed.errors.empty());
  const auto& t = lexed.tokens;
  REQUIRE(t.size() == 7);
  CHECK((t[0].line == 1 && t[0].column == 1 && !t[0].newlineBefore));
  CHECK((t[1].line == 2 && t[1].column == 3 && t[1].newlineBefore));
  CHECK((t[2].line == 3 && t[2].column == 9 && t[2].newlineBefore));  // newline inside the comment
  CHECK(t[3].kind == TokenKind::Semicolon);
  CHECK((t[4].text == "d" && !t[4].newlineBefore));
  CHECK((t[5].line == 5 && t[5].column == 2 && t[5].newlineBefore));
  CHECK(t[6].kind == TokenKind::EndOfFile);
}

TEST_CASE("lexer: columns count code points", "[lexer]") {
  Lexed lexed = lex("\"\xC3\xA9\xC3\xA9\" x");
  REQUIRE(lexed.tokens.size() == 3);
  CHECK(lexed.tokens[1].column == 6);
}

TEST_CASE("lexer: unexpected characters are reported and skipped", "[lexer]") {
  Lexed lexed = lex("a @ b\nc # d\n\xE2\x82\xAC");
  CHECK(lexed.errors.size() == 3);
  CHECK(lexed.errors[0].message == "unexpected character '@'");
  CHECK(lexed.errors[0].line == 1);
  CHECK(lexed.errors[0].column == 3);
  CHECK(lexed.errors[2].message == "unexpected character '\xE2\x82\xAC'");
  int identifiers = 0;
  for (const Token& t : lexed.tokens) identifiers += t.kind == TokenKind::Identifier;
  CHECK(identifiers == 4);
}

TEST_CASE("lexer: unterminated block comment", "[lexer]") {
  Lexed lexed = lex("a /* never closed\n\n");
  REQUIRE(lexed.errors.size() == 1);
  CHECK(lexed.errors[0].message == "unterminated block comment");
  CHECK(lexed.errors[0].line == 1);
  CHECK(lexed.errors[0].column == 3);
}

}  // namespace
}  // namespace shapevm
