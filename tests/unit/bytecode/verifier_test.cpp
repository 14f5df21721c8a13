// The verifier: accepts valid programs, computes maxStack, and rejects each
// kind of bad operand, jump, stack depth and table, naming the function and
// the offset of the offending instruction.
#include <catch2/catch.hpp>
#include <chrono>

#include "core/config.h"
#include "test_programs.h"

namespace shapevm {
namespace {

using testing::CodeBuilder;
using testing::sampleProgram;

// A program whose entry is `main` (declared maxStack `stack`), plus `others`.
Program programOf(Function main, uint32_t stack = 8, std::vector<Function> others = {}) {
  Program program;
  program.sourceFile = "t.shape";
  main.maxStack = stack;
  program.functions.push_back(std::move(main));
  for (Function& f : others) {
    f.maxStack = 8;
    program.functions.push_back(std::move(f));
  }
  program.types = {TypeDecl{"Pair", {"a", "b"}}};
  program.globals = {GlobalDecl{"g", -1}};
  return program;
}

struct Expected {
  std::string message;
  std::string function;  // empty for header problems
  int64_t offset;        // -1 when not at an instruction
};

void expectRejected(const Program& program, const Expected& expected) {
  std::optional<Diagnostic> problem = verifyProgram(program, "bad.sbc");
  REQUIRE(problem);
  INFO(problem->format());
  CHECK(problem->file == "bad.sbc");
  CHECK_THAT(problem->message, Catch::Contains(expected.message));
  CHECK(problem->function == expected.function);
  CHECK(problem->offset == expected.offset);
}

CodeBuilder mainWith(uint32_t locals = 2) { return CodeBuilder("main", 0, locals); }

}  // namespace

TEST_CASE("verifier: the sample program is valid", "[verifier]") {
  Program program = sampleProgram();
  CHECK_FALSE(verifyProgram(program, "sample.sbc"));
  CHECK(program.functions[1].maxStack == 2);  // square: x, x
  CHECK(program.functions[4].maxStack == 2);  // loop: element + sum, value + 100
  CHECK(program.functions[0].maxStack == 4);
}

TEST_CASE("verifier: computeMaxStack follows branches, handlers and for_iter", "[verifier]") {
  SECTION("a try handler starts one deeper than its try") {
    CodeBuilder b = mainWith();
    b.op(Op::TryBegin, 3).op(Op::TryEnd).op(Op::Jump, 4);
    b.op(Op::Pop);  // 3: the raised value
    b.op(Op::None).op(Op::Return);
    Program p = programOf(b.function);
    Result<uint32_t> depth = computeMaxStack(p, p.functions[0], "t.sbc");
    REQUIRE(depth.ok());
    CHECK(depth.value() == 1);
    CHECK_FALSE(verifyProgram(p, "t.sbc"));
    p.functions[0].maxStack = 0;  // the handler's raised value needs a slot
    expectRejected(p, {"stack depth 1 exceeds the function's maximum of 0", "main", 3});
  }
  SECTION("and / or keep their value on the branch only") {
    CodeBuilder b = mainWith();
    b.op(Op::True).op(Op::JumpIfFalseOrPop, 4).op(Op::False).op(Op::Not);
    b.op(Op::Return);  // 4: reached with one value on both paths
    Program p = programOf(b.function);
    CHECK(computeMaxStack(p, p.functions[0], "t.sbc").value() == 1);
    CHECK_FALSE(verifyProgram(p, "t.sbc"));
  }
  SECTION("for_iter pushes only when it does not exit") {
    CodeBuilder b = mainWith(3);
    b.op(Op::BuildArray, 0).op(Op::SetLocal, 0).op(Op::Int, 0).op(Op::SetLocal, 1);
    b.op2(Op::ForIter, 0, 8).op(Op::Pop).op(Op::Jump, 4);
    b.op(Op::None).op(Op::Return);  // 8
    Program p = programOf(b.function);
    CHECK(computeMaxStack(p, p.functions[0], "t.sbc").value() == 1);
    CHECK_FALSE(verifyProgram(p, "t.sbc"));
  }
  SECTION("calls, arrays, maps and records pop what their operand says") {
    CodeBuilder b = mainWith();
    b.op(Op::GetBuiltin, 0).op(Op::Int, 1).op(Op::Int, 2).op(Op::Int, 3).op(Op::Call, 3);
    b.op(Op::Int, 1).op(Op::Int, 2).op(Op::Int, 3).op(Op::Int, 4).op(Op::BuildMap, 2);
    b.op(Op::BuildRecord, 0).op(Op::Return);
    Program p = programOf(b.function);
    CHECK(computeMaxStack(p, p.functions[0], "t.sbc").value() == 5);
    CHECK_FALSE(verifyProgram(p, "t.sbc"));
  }
}

TEST_CASE("verifier: rejects bad operands", "[verifier]") {
  auto one = [](std::vector<Instr> code, uint32_t locals = 2) {
    CodeBuilder b = mainWith(locals);
    b.function.code = std::move(code);
    b.function.constants = {Constant::ofInt(1), Constant::ofString("name")};
    return b.function;
  };
  Instr ret = makeInstr(Op::Return);
  Instr none = makeInstr(Op::None);
  struct Case {
    std::vector<Instr> code;
    std::string message;
    int64_t offset;
  };
  const Case cases[] = {
      {{none, 0xfe}, "invalid opcode 254", 1},
      {{makeInstr(Op::None, 3), ret}, "'none' takes no operand but has 3", 0},
      {{makeInstr(Op::Const, 2), ret}, "'const' refers to constant 2, but there are 2", 0},
      {{makeInstr(Op::GetLocal, 2), ret}, "'get_local' refers to local 2, but there are 2", 0},
      {{none, makeInstr(Op::SetLocal, kMaxOperandA), none, ret}, "local 16777215", 1},
      {{makeInstr(Op::CloseUpvals, 5), none, ret}, "'close' refers to local 5", 0},
      {{makeInstr(Op::GetUpval, 0), ret}, "'get_upval' refers to upvalue 0, but there are 0", 0},
      {{makeInstr(Op::GetGlobal, 1), ret}, "'get_global' refers to global 1, but there are 1", 0},
      {{makeInstr(Op::Closure, 2), ret}, "'closure' refers to function 2, but there are 2", 0},
      {{makeInstr(Op::BuildRecord, 1), ret}, "'record' refers to record type 1", 0},
      {{makeInstr(Op::GetBuiltin, kBuiltinCount), ret}, "'builtin' refers to built-in", 0},
      {{none, makeInstr(Op::GetField, 0), ret}, "'get_field' needs a string constant", 1},
      {{none, makeInstr(Op::GetField, 7), ret}, "'get_field' refers to constant 7", 1},
      {{none, none, makeInstr(Op::SetField, 0)}, "'set_field' needs a string constant", 2},
      {{none, makeInstr(Op::CallMethod, 0), 0, ret}, "'call_method' needs a string constant", 1},
      {{none, makeInstr(Op::CallMethod, 0), 9, ret}, "'call_method' refers to constant 9", 1},
      {{makeInstr(Op::ForIter, 1), 3, none, ret},
       "'for_iter' refers to local 2, but there are 2",
       0},
      {{none, makeInstr(Op::CallMethod, 0)}, "'call_method' is cut off by the end of the code", 1},
      {{makeInstr(Op::RaiseError, 0)}, "'raise_error' needs a string constant", 0},
      {{makeInstr(Op::MoveFrame, 0), ret}, "'move_frame' is written only by the VM", 0},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    CodeBuilder helper("helper", 0, 0);
    helper.op(Op::None).op(Op::Return);
    expectRejected(programOf(one(c.code), 8, {helper.function}), {c.message, "main", c.offset});
  }
}

TEST_CASE("verifier: rejects bad jumps and control flow", "[verifier]") {
  Instr ret = makeInstr(Op::Return);
  Instr none = makeInstr(Op::None);
  struct Case {
    std::vector<Instr> code;
    std::string message;
    int64_t offset;
  };
  const Case cases[] = {
      {{makeInstr(Op::Jump, 3), none, ret}, "'jump' target 3 is outside the function", 0},
      {{makeInstr(Op::Jump, kMaxOperandA), none, ret}, "is outside the function", 0},
      // Word 2 is the name operand of call_method, not an instruction.
      {{makeInstr(Op::Jump, 2), makeInstr(Op::CallMethod, 0), 0, none, ret},
       "'jump' target 2 is inside an instruction",
       0},
      {{makeInstr(Op::TryBegin, 9), none, ret}, "'try' handler 9 is outside", 0},
      {{makeInstr(Op::ForIter, 0), 1, none, ret}, "'for_iter' exit 1 is inside an instruction", 0},
      {{makeInstr(Op::ForIter, 0), 77, none, ret}, "'for_iter' exit 77 is outside", 0},
      {{none, makeInstr(Op::Pop)}, "'pop' runs off the end of the function", 1},
      {{makeInstr(Op::True), makeInstr(Op::JumpIfFalse, 0)}, "runs off the end", 1},
      {{}, "the function has no code", 0},
      {{makeInstr(Op::Add), ret}, "stack underflow: 'add' pops 2 but the stack holds 0", 0},
      {{none, none, makeInstr(Op::Call, 2), ret}, "'call' pops 3 but the stack holds 2", 2},
      {{makeInstr(Op::BuildRecord, 0), ret}, "'record' pops 2 but the stack holds 0", 0},
      {{none, makeInstr(Op::BuildMap, 1), ret}, "'map' pops 2 but the stack holds 1", 1},
      {{makeInstr(Op::Return)}, "'return' pops 1 but the stack holds 0", 0},
      // Merge at 4: one value from the branch, two from the fall-through.
      {{none, makeInstr(Op::True), makeInstr(Op::JumpIfFalse, 4), none, ret},
       "stack depth is 1 on one path here but 2 on the path from offset 3",
       4},
      {{makeInstr(Op::True), makeInstr(Op::JumpIfFalse, 4), none, none, ret},
       "stack depth is 0 on "
       "one path here but 2 on the path from offset 3",
       4},
      // A loop that grows the stack on every turn.
      {{none, makeInstr(Op::Jump, 0)}, "stack depth is 0 on one path here but 1", 0},
  };
  for (const Case& c : cases) {
    INFO(c.message);
    CodeBuilder b = mainWith(2);
    b.function.code = c.code;
    expectRejected(programOf(b.function), {c.message, "main", c.offset});
  }
}

TEST_CASE("verifier: rejects a stack deeper than maxStack", "[verifier]") {
  CodeBuilder b = mainWith();
  b.op(Op::None).op(Op::None).op(Op::None).op(Op::Pop).op(Op::Pop).op(Op::Return);
  CHECK_FALSE(verifyProgram(programOf(b.function, 3), "t.sbc"));
  expectRejected(programOf(b.function, 2),
                 {"stack depth 3 exceeds the function's maximum of 2", "main", 3});
}

TEST_CASE("verifier: checks closures' captures against the creating function", "[verifier]") {
  CodeBuilder inner("inner", 0, 0);
  inner.capture(true, 1, "a").capture(false, 0, "b");
  inner.op(Op::GetUpval, 1).op(Op::Return);

  CodeBuilder maker("maker", 0, 2);
  maker.capture(true, 0, "b");
  maker.op(Op::Closure, 1).op(Op::Return);  // inner: local 1 and upvalue 0 exist here

  CodeBuilder main = mainWith(2);
  main.op(Op::Closure, 2).op(Op::Return);  // maker: local 0 exists here
  Program ok = programOf(main.function, 8, {inner.function, maker.function});
  CHECK_FALSE(verifyProgram(ok, "t.sbc"));

  Program fewLocals = ok;
  fewLocals.functions[2].numLocals = 1;
  expectRejected(fewLocals,
                 {"closure 'inner' captures local 1, but this function has 1 locals", "maker", 0});

  Program noUpvalues = ok;
  noUpvalues.functions[2].captures.clear();
  expectRejected(noUpvalues, {"closure 'inner' captures upvalue 0, but this function has 0 "
                              "upvalues",
                              "maker", 0});

  Program badUpvalue = ok;
  badUpvalue.functions[1].code[0] = makeInstr(Op::GetUpval, 2);
  expectRejected(badUpvalue, {"'get_upval' refers to upvalue 2", "inner", 0});

  // The entry runs without a closure: it has no upvalues, whatever it declares.
  Program entryUpvalue = ok;
  entryUpvalue.functions[0].captures = {Capture{true, 0, "x"}};
  entryUpvalue.functions[0].code = {makeInstr(Op::GetUpval, 0), makeInstr(Op::Return)};
  expectRejected(entryUpvalue, {"'get_upval' refers to upvalue 0, but there are 0", "main", 0});
  Program entryCreates = ok;
  entryCreates.functions[0].captures = {Capture{true, 0, "x"}};
  entryCreates.functions[0].code = {makeInstr(Op::Closure, 1), makeInstr(Op::Return)};
  expectRejected(entryCreates, {"captures upvalue 0, but this function has 0", "main", 0});
}

TEST_CASE("verifier: rejects bad program tables", "[verifier]") {
  CodeBuilder b = mainWith();
  b.line(1).op(Op::None).line(2).op(Op::Return);
  CodeBuilder other("other", 1, 1);
  other.op(Op::GetLocal, 0).op(Op::Return);
  const Program base = programOf(b.function, 1, {other.function});
  REQUIRE_FALSE(verifyProgram(base, "t.sbc"));

  Program p = base;
  p.functions.clear();
  expectRejected(p, {"the program has no functions", "", -1});
  p = base;
  p.entry = 2;
  expectRejected(p, {"entry function 2 does not exist (2 functions)", "", -1});
  p = base;
  p.entry = 1;
  expectRejected(p, {"the entry function must take no arguments, not 1", "other", -1});
  p = base;
  p.functions[1].name = "main";
  expectRejected(p, {"function 'main' is defined twice", "", -1});
  p = base;
  p.globals.push_back(GlobalDecl{"g", -1});
  expectRejected(p, {"global 'g' is declared twice", "", -1});
  p = base;
  p.globals[0].function = 2;
  expectRejected(p, {"global 'g' is bound to function 2, which does not exist", "", -1});
  p = base;
  p.globals[0].function = -2;
  expectRejected(p, {"bound to function -2", "", -1});
  p = base;
  p.types.push_back(TypeDecl{"Pair", {}});
  expectRejected(p, {"type 'Pair' is declared twice", "", -1});
  p = base;
  p.types[0].fields = {"a", "a"};
  expectRejected(p, {"type 'Pair' has field 'a' twice", "", -1});
  p = base;
  p.types[0].defaults = {FieldDefault{2, FieldDefault::Kind::True, {}}};
  expectRejected(p, {"type 'Pair' has a default for field 2, but it has 2 fields", "", -1});
  p = base;
  p.types[0].defaults = {FieldDefault{1, FieldDefault::Kind::None, {}},
                         FieldDefault{0, FieldDefault::Kind::False, {}}};
  expectRejected(
      p, {"type 'Pair': the default of field 'a' is not in field order, or repeated", "", -1});
  p = base;
  p.types[0].defaults = {FieldDefault{1, FieldDefault::Kind::None, {}},
                         FieldDefault{1, FieldDefault::Kind::False, {}}};
  expectRejected(p, {"the default of field 'b' is not in field order, or repeated", "", -1});
  p = base;
  p.types[0].defaults = {FieldDefault{0, FieldDefault::Kind::None, {}},
                         FieldDefault{1, FieldDefault::Kind::Constant, Constant::ofString("s")}};
  CHECK_FALSE(verifyProgram(p, "ok.sbc"));
  p = base;
  p.functions[1].numLocals = 0;
  expectRejected(p, {"arity 1 exceeds its 0 locals", "other", -1});
  p = base;
  p.functions[0].numLocals = 0xffffffff;
  expectRejected(p, {"locals are more than the limit of 4096", "main", -1});
  p = base;
  p.functions[0].numLocals = kMaxLocals;
  p.functions[0].maxStack = static_cast<uint32_t>(kMaxStackSlots);
  expectRejected(p, {"do not fit the VM stack", "main", -1});
  p = base;
  p.functions[0].maxStack = 0xffffffff;
  expectRejected(p, {"do not fit the VM stack", "main", -1});
  p = base;
  p.functions[0].lines[1].offset = 2;
  expectRejected(p, {"line table entry 1 points at offset 2, past the code", "main", -1});
  p = base;
  p.functions[0].lines[1].offset = 0;
  expectRejected(p, {"line table entry 1 (offset 0) is not after the one before it", "main", -1});
}

TEST_CASE("verifier: long straight-line and looping code is checked without recursion",
          "[verifier]") {
  // 200k instructions, and a chain of forward jumps across all of them.
  CodeBuilder b = mainWith();
  const uint32_t count = 100'000;
  for (uint32_t i = 0; i < count; ++i) b.op(Op::Jump, 2 * i + 2).op(Op::Pop);
  b.op(Op::None).op(Op::Return);
  Program p = programOf(b.function, 1);
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(verifyProgram(p, "t.sbc"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // The unreachable pops are still decoded and checked for operands.
  p.functions[0].code[3] = makeInstr(Op::Pop, 1);
  expectRejected(p, {"'pop' takes no operand but has 1", "main", 3});
}

TEST_CASE("verifier: debug information must fit the function", "[verifier]") {
  const Program base = sampleProgram();
  REQUIRE_FALSE(verifyProgram(base, "t.sbc"));
  auto rejects = [&](auto edit, const std::string& message) {
    Program p = base;
    edit(p.functions[4]);
    std::optional<Diagnostic> problem = verifyProgram(p, "t.sbc");
    REQUIRE(problem);
    CHECK(problem->function == "loop");
    CHECK_THAT(problem->message, Catch::Contains(message));
  };
  rejects([](Function& f) { f.statements[0].end = 99; }, "is not a range inside the code");
  rejects([](Function& f) { f.statements[0].end = f.statements[0].start; },
          "is not a range inside the code");
  rejects([](Function& f) { f.statements[2].parent = 3; }, "does not come after its parent");
  rejects([](Function& f) { f.statements[0].parent = -2; }, "does not come after its parent");
  rejects([](Function& f) { f.statements[2].end = 17; }, "is not inside its parent");
  rejects([](Function& f) { f.statements[3].start = 15; }, "overlaps the statement before it");
  rejects([](Function& f) { f.statements[1].start = 7; }, "does not begin and end at instructions");
  rejects([](Function& f) { f.statements[1].end = 7; }, "does not begin and end at instructions");
  rejects([](Function& f) { f.locals[1].start = 7; }, "the code's instructions");
  rejects([](Function& f) { f.locals[3].slot = 4; }, "local variable 'sum' (slot 4");
  rejects([](Function& f) { f.locals[0].end = 21; }, "is not inside the frame and the code");
  rejects([](Function& f) { f.locals[0].start = 5, f.locals[0].end = 4; },
          "is not inside the frame and the code");
  Program badName = base;
  badName.functions[4].locals[0].name = "\xff";
  std::optional<Diagnostic> problem = verifyProgram(badName, "t.sbc");
  REQUIRE(problem);
  CHECK_THAT(problem->message, Catch::Contains("local variable name"));
}

}  // namespace shapevm
