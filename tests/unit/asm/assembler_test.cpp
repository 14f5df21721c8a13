// Tests of assemble(): the syntax of docs/assembly.md, every opcode from the
// table, exact constants, and diagnostics (file:line:col) for bad input,
// including random garbage, which must never crash the assembler.
#include "asm/assembler.h"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "bytecode/builtin_names.h"

using namespace shapevm;

namespace {

Program assembleOk(const std::string& text) {
  Result<Program> result = assemble(text, "test.sasm");
  if (!result) FAIL(result.error().format());
  return std::move(result.value());
}

// The source of a one-function program whose body is `body`.
std::string mainWith(const std::string& body, const std::string& header = ".function main") {
  return header + "\n" + body + "\n.end\n";
}

}  // namespace

TEST_CASE("a minimal program assembles into a verified, hashed program", "[asm]") {
  Program p = assembleOk(".function main\n  none\n  return\n.end\n");
  REQUIRE(p.functions.size() == 1);
  CHECK(p.entry == 0);
  CHECK(p.sourceFile == "test.sasm");
  const Function& main = p.functions[0];
  CHECK(main.name == "main");
  CHECK(main.arity == 0);
  CHECK(main.numLocals == 0);
  CHECK(main.maxStack == 1);
  CHECK(main.code == std::vector<Instr>{makeInstr(Op::None), makeInstr(Op::Return)});
  CHECK(main.hash != FunctionHash{});
}

TEST_CASE("directives declare types, globals, the entry and functions", "[asm]") {
  Program p = assembleOk(R"(
; a comment line
.source "src/prog.shape"   ; trailing comment
.type Point x y
.type Empty
.global counter
.global helper = helper
.entry "<main>"
.function helper arity=2 locals=3 stack=8
  get_local 0
  return
.end
.function "<main>"
  none
  return
.end
)");
  CHECK(p.sourceFile == "src/prog.shape");
  REQUIRE(p.types.size() == 2);
  CHECK(p.types[0] == TypeDecl{"Point", {"x", "y"}});
  CHECK(p.types[1] == TypeDecl{"Empty", {}});
  REQUIRE(p.globals.size() == 2);
  CHECK(p.globals[0] == GlobalDecl{"counter", -1});
  CHECK(p.globals[1] == GlobalDecl{"helper", 0});
  CHECK(p.entry == 1);
  CHECK(p.functions[0].arity == 2);
  CHECK(p.functions[0].numLocals == 3);
  CHECK(p.functions[0].maxStack == 8);  // given, not computed
  CHECK(p.functions[1].name == "<main>");
}

TEST_CASE("locals default to the arity and the entry to the first function", "[asm]") {
  Program p = assembleOk(R"(
.function main
  closure f
  int 1
  call 1
  return
.end
.function f arity=1
  get_local 0
  return
.end
)");
  CHECK(p.entry == 0);
  CHECK(p.functions[1].numLocals == 1);
  CHECK(p.functions[0].maxStack == 2);
}

TEST_CASE("names may be used before they are declared", "[asm]") {
  Program p = assembleOk(R"(
.function main
  get_global later
  pop
  closure f
  pop
  none
  none
  record P
  pop
  none
  return
.end
.function f
  none
  return
.end
.global later
.type P a b
)");
  const std::vector<Instr>& code = p.functions[0].code;
  CHECK(code[0] == makeInstr(Op::GetGlobal, 0));
  CHECK(code[2] == makeInstr(Op::Closure, 1));
  CHECK(code[6] == makeInstr(Op::BuildRecord, 0));
}

TEST_CASE("labels resolve to word offsets, forward and backward", "[asm]") {
  Program p = assembleOk(R"(
.function main locals=2
  map 0
  set_local 0
  int 0
  set_local 1
top: for_iter 0 out
  pop
  jump top
out:
  none
  return
.end
)");
  const std::vector<Instr>& code = p.functions[0].code;
  CHECK(code[4] == makeInstr(Op::ForIter, 0));
  CHECK(code[5] == 8u);  // exit target: the whole second word
  CHECK(code[7] == makeInstr(Op::Jump, 4));
}

TEST_CASE("constants are pooled in order of first use and deduplicated", "[asm]") {
  Program p = assembleOk(mainWith(R"(
  const 7
  const "seven"
  const 7
  const 7.0
  get_field seven
  call_method "seven" 0
  pop
  pop
  pop
  pop
  none
  return)"));
  const Function& f = p.functions[0];
  REQUIRE(f.constants.size() == 3);
  CHECK(f.constants[0] == Constant::ofInt(7));
  CHECK(f.constants[1] == Constant::ofString("seven"));
  CHECK(f.constants[2] == Constant::ofFloat(7.0));
  CHECK(f.code[2] == makeInstr(Op::Const, 0));
  CHECK(f.code[4] == makeInstr(Op::GetField, 1));
  CHECK(f.code[5] == makeInstr(Op::CallMethod, 0));
  CHECK(f.code[6] == 1u);
}

TEST_CASE(".const lays out the pool exactly and #N names an entry", "[asm]") {
  Program p = assembleOk(mainWith(R"(
.const "b"
.const 1
.const 1
  const 1
  const #2
  const "a"
  pop
  pop
  pop
  none
  return)"));
  const Function& f = p.functions[0];
  REQUIRE(f.constants.size() == 4);
  CHECK(f.constants[0] == Constant::ofString("b"));
  CHECK(f.constants[3] == Constant::ofString("a"));
  CHECK(f.code[0] == makeInstr(Op::Const, 1));  // the first equal entry
  CHECK(f.code[1] == makeInstr(Op::Const, 2));
  CHECK(f.code[2] == makeInstr(Op::Const, 3));
}

TEST_CASE("numeric literals are exact", "[asm]") {
  struct Case {
    const char* text;
    Constant expected;
  };
  const Case cases[] = {
      {"0", Constant::ofInt(0)},
      {"-9223372036854775808", Constant::ofInt(std::numeric_limits<int64_t>::min())},
      {"9223372036854775807", Constant::ofInt(std::numeric_limits<int64_t>::max())},
      {"0x7fffffffffffffff", Constant::ofInt(std::numeric_limits<int64_t>::max())},
      {"-0x10", Constant::ofInt(-16)},
      {"+12", Constant::ofInt(12)},
      {"0.1", Constant::ofFloat(0.1)},
      {"-0.0", Constant::ofFloat(-0.0)},
      {"1e+21", Constant::ofFloat(1e21)},
      {"2.5E-3", Constant::ofFloat(2.5e-3)},
      {"5e-324", Constant::ofFloat(std::numeric_limits<double>::denorm_min())},
      {"1.7976931348623157e308", Constant::ofFloat(std::numeric_limits<double>::max())},
      {"inf", Constant::ofFloat(std::numeric_limits<double>::infinity())},
      {"-inf", Constant::ofFloat(-std::numeric_limits<double>::infinity())},
      {"nan", Constant::ofFloat(std::bit_cast<double>(0x7ff8000000000000ull))},
      {"-nan", Constant::ofFloat(std::bit_cast<double>(0xfff8000000000000ull))},
      {"nan:0x7ff0000000000001", Constant::ofFloat(std::bit_cast<double>(0x7ff0000000000001ull))},
      {"\"a\\tb\\\"c\\\\d\\n\\0\\x7f\"", Constant::ofString(std::string("a\tb\"c\\d\n\0\x7f", 10))},
      {"\"caf\xc3\xa9\"", Constant::ofString("caf\xc3\xa9")},
      {"word", Constant::ofString("word")},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    Program p = assembleOk(mainWith(std::string("  const ") + c.text + "\n  return"));
    REQUIRE(p.functions[0].constants.size() == 1);
    CHECK(p.functions[0].constants[0] == c.expected);
  }
}

TEST_CASE("the int immediate covers the signed 24-bit range", "[asm]") {
  Program p = assembleOk(mainWith("  int -8388608\n  int 8388607\n  pop\n  return"));
  CHECK(instrSignedA(p.functions[0].code[0]) == -8388608);
  CHECK(instrSignedA(p.functions[0].code[1]) == 8388607);
}

TEST_CASE(".line directives build the line table", "[asm]") {
  Program p = assembleOk(mainWith(R"(.line 3
  none
.line 3
  pop
.line 7
  none
  return)"));
  const std::vector<LineEntry> expected = {{0, 3}, {2, 7}};
  CHECK(p.functions[0].lines == expected);
  CHECK(p.functions[0].lineAt(1) == 3);
}

TEST_CASE("captures are read in order", "[asm]") {
  Program p = assembleOk(R"(
.function main locals=1
  none
  set_local 0
  closure inner
  return
.end
.function inner
.capture local 0 x
  get_upval 0
  return
.end
)");
  REQUIRE(p.functions[1].captures.size() == 1);
  CHECK(p.functions[1].captures[0] == Capture{true, 0, "x"});
}

// Every opcode, driven by the table: a function that gives the instruction
// the stack it needs, a valid operand, and a well-formed continuation; its
// disassembly must assemble back to the same code and hashes.
TEST_CASE("every opcode in the table assembles and disassembles", "[asm][opcodes]") {
  for (uint32_t i = 0; i < kOpCount; ++i) {
    const OpInfo& info = kOpInfo[i];
    INFO("opcode " << info.mnemonic);
    if (info.flags & kVmOnly) {  // the VM's own: it assembles, and the verifier refuses it
      Result<Program> refused = assemble(
          std::string(".function main\n  ") + info.mnemonic + " 0\n  none\n  return\n.end\n",
          "op.sasm");
      REQUIRE_FALSE(refused.ok());
      CHECK_THAT(refused.error().message, Catch::Contains("is written only by the VM"));
      continue;
    }
    std::string operand;
    int pops = info.pops;
    switch (info.operand) {
      case Operand::None:
        break;
      case Operand::Const:
        operand = "\"x\"";
        break;
      case Operand::Int:
        operand = "-5";
        break;
      case Operand::Local:
        operand = "1";
        break;
      case Operand::Upval:
        operand = "0";
        break;
      case Operand::Global:
        operand = "g";
        break;
      case Operand::Func:
        operand = "f";
        break;
      case Operand::Type:
        operand = "P";
        break;
      case Operand::Builtin:
        operand = "len";
        break;
      case Operand::Count:
        operand = "2";
        break;
      case Operand::Jump:
        operand = "target";
        break;
      case Operand::Method:
        operand = "push 1";
        break;
      case Operand::Iter:
        operand = "0 target";
        break;
      case Operand::LocalPair:
        operand = "1 0";
        break;
      case Operand::LocalConst:
        operand = static_cast<Op>(i) == Op::GetFieldL || static_cast<Op>(i) == Op::SetFieldL
                      ? "1 a"  // a field name
                      : "1 2.5";
        break;
      case Operand::LocalPairJump:
        operand = "1 0 target";
        break;
      case Operand::LocalConstJump:
        operand = "1 2.5 target";
        break;
      case Operand::LocalPairStore:
        operand = "1 0 1";
        break;
      case Operand::LocalConstStore:
        operand = "1 2.5 0";
        break;
      case Operand::ConstJump:
        operand = "2.5 target";
        break;
    }
    if (pops == kPopsArgs) pops = info.operand == Operand::Method ? 2 : 3;
    if (pops == kPopsCount) pops = 2;
    if (pops == kPopsPairs) pops = 4;
    if (pops == kPopsFields) pops = 2;
    std::string body;
    for (int k = 0; k < pops; ++k) body += "  none\n";
    body += "  " + std::string(info.mnemonic) + (operand.empty() ? "" : " " + operand) + "\n";
    bool fallsThrough = (info.flags & kNoFallthrough) == 0;
    if (static_cast<Op>(i) == Op::TryBegin) {
      body += "  end_try\n  none\ntarget:\n  return\n";  // the handler gets the raised value
    } else if (info.flags & kKeepOnBranch) {
      body += "  none\ntarget:\n  return\n";
    } else if (fallsThrough) {
      for (int k = 0; k < info.pushes; ++k) body += "  pop\n";
      body += "target:\n  none\n  return\n";
    } else if (info.operand == Operand::Jump) {
      body += "target:\n  none\n  return\n";
    }
    std::string text =
        ".type P a b\n.global g\n.function f\n  none\n  return\n.end\n"
        ".function main locals=1\n  none\n  set_local 0\n  closure t\n  return\n.end\n"
        ".function t locals=2\n.capture local 0 v\n" +
        body + ".end\n.entry main\n";
    Result<Program> result = assemble(text, "op.sasm");
    INFO(text);
    INFO((result.ok() ? std::string() : result.error().format()));
    REQUIRE(result.ok());
    const std::vector<Instr>& code = result.value().functions[2].code;
    bool found = false;
    for (std::size_t at = 0; at < code.size(); at += instrWords(instrOp(code[at]))) {
      found = found || instrOp(code[at]) == static_cast<Op>(i);
    }
    CHECK(found);

    // ... and disassembles into text that assembles to the same functions.
    std::string listing = disassemble(result.value());
    CHECK(listing.find("    " + std::string(info.mnemonic)) != std::string::npos);
    Result<Program> again = assemble(listing, "again.sasm");
    INFO(listing);
    REQUIRE(again.ok());
    for (std::size_t f = 0; f < again.value().functions.size(); ++f) {
      CHECK(again.value().functions[f].hash == result.value().functions[f].hash);
      CHECK(again.value().functions[f].code == result.value().functions[f].code);
    }
  }
}

TEST_CASE("every built-in name is accepted", "[asm]") {
  for (uint32_t i = 0; i < kBuiltinCount; ++i) {
    std::string name(kBuiltinInfo[i].name);
    INFO(name);
    Program p = assembleOk(mainWith("  builtin " + name + "\n  return"));
    CHECK(p.functions[0].code[0] == makeInstr(Op::GetBuiltin, i));
  }
}

TEST_CASE("CRLF line ends and blank lines are accepted", "[asm]") {
  Program p = assembleOk(".function main\r\n\r\n  none ; c\r\n  return\r\n.end\r\n");
  CHECK(p.functions[0].code.size() == 2);
}

namespace {

struct BadInput {
  const char* text;
  uint32_t line;
  uint32_t column;
  const char* message;  // a fragment of the expected message
};

const BadInput kBadInputs[] = {
    {".function main\n  frobnicate\n.end\n", 2, 3, "unknown instruction 'frobnicate'"},
    {".bogus\n", 1, 1, "unknown directive '.bogus'"},
    {".function main\n  get_local\n.end\n", 2, 12, "expected a local slot"},
    {".function main\n  none 1\n.end\n", 2, 8, "unexpected '1'"},
    {".function main\n  jump nowhere\n.end\n", 2, 8, "undefined label 'nowhere'"},
    {".function main\nx:\nx:  none\n  return\n.end\n", 3, 1,
     "label 'x' is already defined at line 2"},
    {".function main\n  get_local 16777216\n.end\n", 2, 13, "out of range (0..16777215)"},
    {".function main\n  call 99999999999999999999999\n.end\n", 2, 8, "out of range"},
    {".function main\n  int 8388608\n.end\n", 2, 7, "does not fit in 24 bits"},
    {".function main\n  const 9223372036854775808\n.end\n", 2, 9, "does not fit in 64 bits"},
    {".function main\n  const 1e999\n.end\n", 2, 9, "out of range"},
    {".function main\n  const 12abc\n.end\n", 2, 9, "malformed number '12abc'"},
    {".function main\n  const nan:0x0\n.end\n", 2, 9, "malformed NaN"},
    {".function main\n  const #5\n  return\n.end\n", 2, 9, "constant #5 does not exist"},
    {".function main\n  none\n  return\n", 1, 11, "function 'main' has no .end"},
    {".function main\n  const \"abc\n.end\n", 2, 9, "unterminated string"},
    {".function main\n  const \"a\\qb\"\n.end\n", 2, 11, "unknown escape '\\q'"},
    {".function main\n  const \"\\x4\"\n.end\n", 2, 10, "two hex digits"},
    {".function main\n  none\x01\n.end\n", 2, 7, "unexpected control byte 0x01"},
    {".function main\n  get_global nope\n  return\n.end\n", 2, 14, "undefined global 'nope'"},
    {".function main\n  closure nope\n  return\n.end\n", 2, 11, "undefined function 'nope'"},
    {".function main\n  record Nope\n  return\n.end\n", 2, 10, "undefined type 'Nope'"},
    {".function main\n  builtin nope\n  return\n.end\n", 2, 11, "unknown built-in function 'nope'"},
    {"  none\n", 1, 3, "only allowed inside a function"},
    {"x:\n", 1, 1, "labels are only allowed inside a function"},
    {".function main\n.function other\n", 2, 1, "not allowed inside function 'main'"},
    {".function f\n  none\n  return\n.end\n.function f\n", 5, 11, "function 'f' is defined twice"},
    {".global g\n.global g\n", 2, 9, "global 'g' is declared twice"},
    {".type T a a\n", 1, 11, "field 'a' appears twice"},
    {".function main arity=1 arity=2\n", 1, 24, "'arity' is given twice"},
    {".function main arity 1\n", 1, 22, "expected '=' after 'arity'"},
    {".function main colour=1\n", 1, 16, "expected arity=N, locals=N or stack=N"},
    {".function main arity=2 locals=1\n", 1, 11, "has locals=1 but arity=2"},
    {".global g = nope\n.function main\n none\n return\n.end\n", 1, 13,
     "undefined function 'nope'"},
    {".entry nope\n.function main\n none\n return\n.end\n", 1, 8, "undefined function 'nope'"},
    {"; nothing here\n", 1, 1, "no functions"},
    {".end\n", 1, 1, "only allowed inside a function"},
    {".function main\n  .capture sideways 0\n.end\n", 2, 12, "expected 'local' or 'upval'"},
    {".function main\nend:\n.end\n", 2, 1, "label 'end' is not followed by an instruction"},
    {".function main\n  jump end\nend:\n.end\n", 3, 1,
     "label 'end' is not followed by an instruction"},
    {".function main\n  = none\n.end\n", 2, 3, "expected a directive, a label or an instruction"},
    // Found by the stack analysis or the verifier, located at the instruction.
    {".function main\n  int 1\n  jump_if_false x\n  none\nx:\n  none\n  return\n.end\n", 6, 3, ""},
    {".function main\n  add\n  return\n.end\n", 2, 3, ""},
    {".function main\n  get_local 3\n  return\n.end\n", 2, 3, ""},
};

}  // namespace

TEST_CASE("bad inputs are reported at file:line:col", "[asm][errors]") {
  for (const BadInput& bad : kBadInputs) {
    INFO(bad.text);
    Result<Program> result = assemble(bad.text, "bad.sasm");
    REQUIRE_FALSE(result.ok());
    const Diagnostic& d = result.error();
    INFO(d.format());
    CHECK(d.file == "bad.sasm");
    CHECK(d.line == bad.line);
    CHECK(d.column == bad.column);
    CHECK(d.message.find(bad.message) != std::string::npos);
    CHECK(d.format().starts_with("bad.sasm:" + std::to_string(bad.line) + ":" +
                                 std::to_string(bad.column) + ": "));
  }
}

TEST_CASE("a diagnostic shows the source line with a caret", "[asm][errors]") {
  Result<Program> result = assemble(".function main\n\tint  zz\n.end\n", "x.sasm");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().sourceExcerpt == "  \tint  zz\n  \t     ^");
}

TEST_CASE("random garbage never crashes the assembler", "[asm][fuzz]") {
  std::mt19937_64 rng(12345);
  const std::string alphabet =
      ".function main arity=locals=stack= end const int call jump L: \"\\x;#\n\t-0123456789eE";
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    std::size_t length = rng() % 300;
    bool bytes = round % 2 == 0;
    for (std::size_t i = 0; i < length; ++i) {
      text += bytes ? static_cast<char>(rng() & 0xff) : alphabet[rng() % alphabet.size()];
    }
    Result<Program> result = assemble(text, "garbage.sasm");
    if (!result) CHECK_FALSE(result.error().message.empty());
  }
}

TEST_CASE("mutated valid programs never crash the assembler", "[asm][fuzz]") {
  const std::string valid = R"(.source "m.sasm"
.type P x y
.global g = f
.function f arity=1 locals=3
.capture local 0 q
.line 2
  get_local 0
  const 1.5
  add
  set_local 1
  map 0
  set_local 1
  int 0
  set_local 2
L: for_iter 1 X
  pop
  jump L
X:
  get_local 0
  call_method "push" 0
  return
.end
.function main
  closure f
  return
.end
.entry main
)";
  std::mt19937_64 rng(99);
  for (int round = 0; round < 3000; ++round) {
    std::string text = valid;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      std::size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text[at] = static_cast<char>(rng() & 0xff);
          break;
        case 1:
          text.erase(at, 1 + rng() % 8);
          break;
        case 2:
          text.insert(at, 1, "0123456789 \n\":;=#-"[rng() % 19]);
          break;
        case 3:
          text.resize(at);
          break;
      }
    }
    Result<Program> result = assemble(text, "mutant.sasm");
    if (!result) CHECK_FALSE(result.error().message.empty());
  }
}
