// Inputs built to exhaust the loader rather than to be malformed: a program
// file that never ends or is far too large, names that a snapshot could not
// write as JSON, and more locals than a call should clear.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "bytecode/input_file.h"
#include "bytecode/sbc.h"
#include "bytecode/utf8_names.h"
#include "bytecode/verifier.h"
#include "test_programs.h"

namespace shapevm {
namespace {

TEST_CASE("input files: a device that never ends is refused at the size limit", "[input]") {
  Result<Program> program = loadSbcFile("/dev/zero");
  REQUIRE_FALSE(program);
  CHECK_THAT(program.error().format(), Catch::Contains("larger than the limit"));
}

TEST_CASE("input files: a file over the limit is refused before it is read", "[input]") {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("shapevm-huge-" + std::to_string(::getpid()) + ".sbc"))
                         .string();
  { std::ofstream create(path); }
  // Sparse: no disk space and no reading, only the size.
  REQUIRE(::truncate(path.c_str(), static_cast<off_t>(kMaxInputFileBytes + 1)) == 0);
  Result<std::string> bytes = readInputFile(path);
  std::filesystem::remove(path);
  REQUIRE_FALSE(bytes);
  CHECK_THAT(bytes.error().format(), Catch::Contains("larger than the limit"));
}

TEST_CASE("input files: a directory is refused", "[input]") {
  Result<std::string> bytes = readInputFile(std::filesystem::temp_directory_path().string());
  REQUIRE_FALSE(bytes);
  CHECK_THAT(bytes.error().format(), Catch::Contains("is a directory"));
}

TEST_CASE("utf-8: names are checked sequence by sequence", "[utf8]") {
  auto accepted = [](const std::string& name) {
    Program program = testing::sampleProgram();
    program.globals.push_back(GlobalDecl{name, -1});
    return !checkNamesAreUtf8(program, "t.sbc");
  };
  CHECK(accepted("plain"));
  CHECK(accepted("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(accepted("\xff"));
  CHECK_FALSE(accepted("\xc3"));              // truncated
  CHECK_FALSE(accepted("\xc0\xaf"));          // overlong
  CHECK_FALSE(accepted("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(accepted("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST_CASE("verifier: a name that is not UTF-8 is rejected wherever it is", "[verifier][utf8]") {
  const std::string bad = "n\xff";
  auto rejected = [](const Program& program, const char* what) {
    std::optional<Diagnostic> problem = verifyProgram(program, "t.sbc");
    REQUIRE(problem);
    CHECK_THAT(problem->format(), Catch::Contains(std::string(what) + " name"));
    CHECK_THAT(problem->format(), Catch::Contains("not valid UTF-8"));
  };
  REQUIRE_FALSE(verifyProgram(testing::sampleProgram(), "t.sbc"));
  Program function = testing::sampleProgram();
  function.functions.back().name = bad;
  rejected(function, "function");
  Program global = testing::sampleProgram();
  global.globals.push_back(GlobalDecl{bad, -1});
  rejected(global, "global");
  Program type = testing::sampleProgram();
  type.types.push_back(TypeDecl{bad, {}});
  rejected(type, "type");
  Program field = testing::sampleProgram();
  field.types.push_back(TypeDecl{"T", {"ok", bad}});
  rejected(field, "field");
}

TEST_CASE("verifier: a function may have at most kMaxLocals locals", "[verifier]") {
  // A call clears every local past the arguments: 4M locals let 20 000 steps
  // of calls run for 9 s under a step budget.
  Program program = testing::sampleProgram();
  program.functions.back().numLocals = kMaxLocals;
  CHECK_FALSE(verifyProgram(program, "t.sbc"));
  program.functions.back().numLocals = kMaxLocals + 1;
  std::optional<Diagnostic> problem = verifyProgram(program, "t.sbc");
  REQUIRE(problem);
  CHECK_THAT(problem->format(), Catch::Contains("more than the limit of 4096"));
}

// main: two values, a try over them, then `body`, then a handler at
// `handler` that drops the raised value and both values and returns none.
Program tryProgram(std::vector<Instr> body, uint32_t handler) {
  testing::CodeBuilder b("main");
  b.op(Op::None).op(Op::None).op(Op::TryBegin, handler);
  for (Instr word : body) b.function.code.push_back(word);
  REQUIRE(b.here() == handler);
  b.op(Op::Pop).op(Op::Pop).op(Op::Pop).op(Op::None).op(Op::Return);
  b.function.lines = {LineEntry{0, 1}};
  b.function.maxStack = 8;
  Program program;
  program.sourceFile = "t.sbc";
  program.functions.push_back(std::move(b.function));
  return program;
}

TEST_CASE("verifier: the stack may not drop below an active try's depth", "[verifier][try]") {
  // The handler restores the stack to the try's height: values popped (and
  // perhaps collected) after the try would be operands again.
  Instr pop = makeInstr(Op::Pop), none = makeInstr(Op::None);
  Instr ret = makeInstr(Op::Return), tryEnd = makeInstr(Op::TryEnd);
  Program popsBelow = tryProgram({pop, pop, none, makeInstr(Op::Throw)}, 7);
  std::optional<Diagnostic> problem = verifyProgram(popsBelow, "t.sbc");
  REQUIRE(problem);
  CHECK(problem->offset == 3);
  CHECK_THAT(problem->message, Catch::Contains("below the depth 2 of the try at offset 2"));

  // Popping only after the try has ended is fine, also where a path that
  // ended it meets another that ended it too.
  CHECK_FALSE(verifyProgram(tryProgram({tryEnd, pop, pop, none, ret}, 8), "t.sbc"));
  Program joined = tryProgram({makeInstr(Op::True), makeInstr(Op::JumpIfFalse, 7), tryEnd,
                               makeInstr(Op::Jump, 8), tryEnd, pop, pop, none, ret},
                              12);
  problem = verifyProgram(joined, "t.sbc");
  INFO((problem ? problem->format() : std::string()));
  CHECK_FALSE(problem);
}

TEST_CASE("verifier: paths into an instruction must agree on the active tries", "[verifier][try]") {
  // One path ends the try, the other does not: after the join the handler
  // may or may not be active, so what it protects cannot be checked.
  Instr none = makeInstr(Op::None);
  Program program =
      tryProgram({makeInstr(Op::True), makeInstr(Op::JumpIfFalse, 6), makeInstr(Op::TryEnd), none,
                  makeInstr(Op::Pop), none, makeInstr(Op::Return)},
                 10);
  std::optional<Diagnostic> problem = verifyProgram(program, "t.sbc");
  REQUIRE(problem);
  CHECK(problem->offset == 6);
  CHECK_THAT(problem->message, Catch::Contains("try"));
}

}  // namespace
}  // namespace shapevm
