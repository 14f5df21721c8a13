// Compile errors: each static error kind, positions and excerpts with carets,
// several errors in one run, and recovery at statement boundaries.
#include <catch2/catch.hpp>

#include "compiler/compiler.h"

namespace shapevm {
namespace {

std::vector<Diagnostic> errorsOf(std::string_view source) {
  CompileResult result = compileSource(source, "prog.shape");
  CHECK(!result.program);
  return result.errors;
}

// The single error `source` produces.
Diagnostic errorOf(std::string_view source) {
  std::vector<Diagnostic> errors = errorsOf(source);
  REQUIRE(errors.size() == 1);
  return errors[0];
}

void checkError(std::string_view source, uint32_t line, uint32_t column,
                const std::string& messagePart) {
  INFO(source);
  Diagnostic d = errorOf(source);
  CHECK(d.file == "prog.shape");
  CHECK(d.line == line);
  CHECK(d.column == column);
  CHECK_THAT(d.message, Catch::Contains(messagePart));
}

TEST_CASE("errors: position, message and caret excerpt", "[errors]") {
  Diagnostic d = errorOf("let a = 1\nlet b = (a +\n");
  CHECK(d.line == 3);
  Diagnostic e = errorOf("let a = 1\nlet b = a + * 2\n");
  CHECK(e.line == 2);
  CHECK(e.column == 13);
  CHECK(e.message == "expected an expression, found '*'");
  CHECK(e.sourceExcerpt == "let b = a + * 2\n            ^");
  CHECK(e.format() ==
        "prog.shape:2:13: expected an expression, found '*'\nlet b = a + * 2\n            ^");
}

TEST_CASE("errors: caret keeps tabs and counts code points", "[errors]") {
  Diagnostic d = errorOf("\tlet \xC3\xA9 = 1");
  CHECK(d.column == 6);
  CHECK(d.sourceExcerpt == "\tlet \xC3\xA9 = 1\n\t    ^");
}

TEST_CASE("errors: excerpt of a very long line is a window", "[errors]") {
  std::string line = "let x = " + std::string(500, 'a') + " @ 2";
  Diagnostic d = errorOf(line);
  CHECK(d.sourceExcerpt.size() < 400);
  std::size_t newline = d.sourceExcerpt.find('\n');
  REQUIRE(newline != std::string::npos);
  std::string shown = d.sourceExcerpt.substr(0, newline);
  std::string caret = d.sourceExcerpt.substr(newline + 1);
  CHECK(shown[caret.size() - 1] == '@');
}

TEST_CASE("errors: several errors in one run", "[errors]") {
  std::vector<Diagnostic> errors = errorsOf(
      "let a = (1 +\n"
      "let b = 2\n"
      "print(b\n"
      "let c = ]\n"
      "function f( { }\n"
      "let d = 4\n");
  REQUIRE(errors.size() >= 3);
  CHECK(errors[0].line == 2);
  CHECK(errors[1].line == 4);
  for (std::size_t i = 1; i < errors.size(); ++i) CHECK(errors[i - 1].line < errors[i].line);
}

TEST_CASE("errors: static errors are all reported", "[errors]") {
  std::vector<Diagnostic> errors = errorsOf(
      "const k = 1\n"
      "k = 2\n"
      "x = 3\n"
      "print(y)\n"
      "break\n");
  REQUIRE(errors.size() == 4);
  CHECK(errors[0].message == "cannot assign to const 'k'");
  CHECK(errors[1].message ==
        "cannot assign to undeclared variable 'x' (declare it with let or var)");
  CHECK(errors[2].message == "'y' is not declared");
  CHECK(errors[3].message == "'break' outside a loop");
}

TEST_CASE("errors: each kind of static error", "[errors]") {
  checkError("const k = 1\nk += 1", 2, 1, "cannot assign to const 'k'");
  checkError("function f() { const k = 1; k = 2 }", 1, 29, "cannot assign to const 'k'");
  checkError("function f() { const k = 1; let g = || { k = 2 } }", 1, 42,
             "cannot assign to const 'k'");
  checkError("x = 1", 1, 1, "cannot assign to undeclared variable 'x'");
  checkError("function f() { y += 1 }", 1, 16, "cannot assign to undeclared variable 'y'");
  checkError("print(nope)", 1, 7, "'nope' is not declared");
  checkError("function f() { return later }\nfunction g() { let later = 1 }", 1, 23,
             "'later' is not declared");
  checkError("print = 1", 1, 1, "cannot assign to built-in function 'print'");
  checkError("function f() {}\nf = 1", 2, 1, "cannot assign to function 'f'");
  checkError("let a = 1\nlet a = 2", 2, 5, "'a' is already declared at the top level");
  checkError("function f() {}\nlet f = 2", 2, 5, "'f' is already declared at the top level");
  checkError("function f() { let a = 1; let a = 2 }", 1, 31,
             "'a' is already declared in this scope");
  checkError("function f(a, a) {}", 1, 15, "'a' is already declared in this scope");
  checkError("break", 1, 1, "'break' outside a loop");
  checkError("continue", 1, 1, "'continue' outside a loop");
  checkError("while true { let f = || { break } }", 1, 27, "'break' outside a loop");
  checkError("return 1", 1, 1, "'return' outside a function");
  checkError("fn f(a = 1, b) {}", 1, 13, "'b' needs a default value");
  checkError("extend Nowhere { }", 1, 8, "unknown type 'Nowhere'");
  checkError("fn g() { trait T {} }", 1, 10, "only allowed at the top level");
  checkError("type P { x }\nlet p = P { x: 1, y: 2 }", 2, 19, "type 'P' has no field 'y'");
  checkError("type P { x }\nlet p = P { x: 1, x: 2 }", 2, 19, "field 'x' is given twice");
  checkError("type P { x, x }", 1, 13, "field 'x' is declared twice");
  checkError("type P { x }\ntype P { y }", 2, 6, "type 'P' is already declared");
  checkError("function f() { type Q { a } }", 1, 16, "only allowed at the top level");
  checkError("let n = 9223372036854775808", 1, 9, "does not fit in 64 bits");
  checkError("let n = 99999999999999999999", 1, 9, "does not fit in 64 bits");
  checkError("const c", 1, 7, "const 'c' needs a value");
}

TEST_CASE("errors: syntax errors", "[errors]") {
  checkError("let = 1", 1, 5, "expected a variable name");
  checkError("let x = 1 2", 1, 11, "expected a newline or ';'");
  checkError("if x == 1 print(x)", 1, 11, "expected '{'");
  checkError("if { }", 1, 4, "expected a condition");
  checkError("while true {\n print(1)\n", 3, 1, "expected '}' to close the block opened at line 1");
  checkError("}", 1, 1, "unexpected '}'");
  checkError("for 1 in x {}", 1, 5, "expected a loop variable");
  checkError("for i of x {}", 1, 7, "expected 'in'");
  checkError("try { } print(1)", 1, 9, "expected 'catch'");
  checkError("f(1, 2", 1, 7, "expected ')' or ','");
  checkError("let a = [1, 2", 1, 14, "expected ']' or ','");
  // A `{` opens a map literal when its first entry is `key:` (else a block).
  checkError("let m = {a: 1, b 2}", 1, 18, "expected ':' after the map key");
  checkError("let m = {a: 1, [1]: 1}", 1, 16, "expected a map key");
  checkError("let m = {a 1}", 1, 12, "expected a newline or ';' after the statement");
  checkError("1 + 2 = 3", 1, 7, "cannot assign to this expression");
  checkError("f() = 3", 1, 5, "cannot assign to this expression");
  checkError("let x = a.", 1, 11, "expected a field or method name");
  checkError("let x: = 1", 1, 8, "expected a type");
  checkError("function f(a b) {}", 1, 14, "expected ')' after the parameters");
  checkError("let x = a == not b", 1, 14, "expected an expression, found 'not'");
}

TEST_CASE("errors: one error per line, at most kMaxErrors in all", "[errors]") {
  std::vector<Diagnostic> sameLine = errorsOf("let a = @ # $ 1\n");
  CHECK(sameLine.size() == 1);
  std::string many;
  for (int i = 0; i < 200; ++i) many += "let = 1\n";
  std::vector<Diagnostic> capped = errorsOf(many);
  REQUIRE(capped.size() == 51);
  CHECK(capped.back().message == "too many errors; stopping");
}

TEST_CASE("errors: a byte-order mark is skipped", "[errors]") {
  CompileResult ok = compileSource("\xEF\xBB\xBFprint(1)\n", "bom.shape");
  CHECK(ok.program);
  Diagnostic d = errorOf("\xEF\xBB\xBFlet = 1");
  CHECK(d.column == 5);
  CHECK(d.sourceExcerpt == "let = 1\n    ^");
}

TEST_CASE("errors: a source without errors compiles", "[errors]") {
  CompileResult result = compileSource("print(1)\n", "ok.shape");
  CHECK(result.errors.empty());
  REQUIRE(result.program);
  CHECK(result.program->sourceFile == "ok.shape");
}

}  // namespace
}  // namespace shapevm
