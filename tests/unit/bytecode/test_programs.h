// Hand-built programs for the bytecode tests (this binary links only the
// bytecode and core libraries, so there is no assembler or compiler here).
// `sampleProgram()` uses every operand kind, every constant kind, closures
// with both kinds of capture, a try handler, a for loop, a line table and debug
// information; it is
// valid, with maxStack computed by the verifier.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <limits>

#include "bytecode/builtin_names.h"
#include "bytecode/bytecode_builder.h"
#include "bytecode/function_hash.h"
#include "bytecode/program.h"
#include "bytecode/verifier.h"

namespace shapevm::testing {

// Appends instructions to a function; `here()` is the next offset.
struct CodeBuilder {
  using Label = BytecodeBuilder::Label;
  Function function;
  BytecodeBuilder code{function};

  CodeBuilder(std::string name, uint32_t arity = 0, uint32_t numLocals = 0) {
    function.name = std::move(name);
    function.arity = arity;
    function.numLocals = numLocals;
  }
  CodeBuilder(const CodeBuilder&) = delete;
  CodeBuilder& operator=(const CodeBuilder&) = delete;
  uint32_t here() const { return code.here(); }
  CodeBuilder& op(Op op, uint32_t a = 0) {
    code.emit(op, a);
    return *this;
  }
  CodeBuilder& op2(Op op, uint32_t a, uint32_t b) {
    code.emit(op, a, b);
    return *this;
  }
  // A branch to `label`; `a` is operand A of the formats whose target is B.
  CodeBuilder& jump(Op op, Label& label, uint32_t a = 0) {
    code.emitBranch(op, label, a);
    return *this;
  }
  CodeBuilder& bind(Label& label) {
    code.bind(label);
    return *this;
  }
  uint32_t constant(Constant c) {
    function.constants.push_back(std::move(c));
    return static_cast<uint32_t>(function.constants.size() - 1);
  }
  CodeBuilder& capture(bool fromLocal, uint32_t index, std::string name) {
    function.captures.push_back(Capture{fromLocal, index, std::move(name)});
    return *this;
  }
  // The source line of the instructions that follow.
  CodeBuilder& line(uint32_t line) {
    code.setLine(line);
    return *this;
  }
};

// Sets every maxStack to what the analysis finds, then requires the program to verify.
inline void finishProgram(Program& program) {
  for (Function& function : program.functions) {
    Result<uint32_t> depth = computeMaxStack(program, function, "sample.sbc");
    INFO((depth ? std::string() : depth.error().format()));
    REQUIRE(depth.ok());
    function.maxStack = depth.value();
  }
  std::optional<Diagnostic> problem = verifyProgram(program, "sample.sbc");
  INFO((problem ? problem->format() : std::string()));
  REQUIRE_FALSE(problem);
  computeHashes(program);
}

// Functions: 0 "<main>" (entry), 1 "square", 2 "adder", 3 "inner", 4 "loop".
inline Program sampleProgram() {
  Program program;
  program.sourceFile = "sample.shape";
  program.types = {TypeDecl{"Point", {"x", "y"}}, TypeDecl{"Empty", {}}};
  program.globals = {GlobalDecl{"square", 1}, GlobalDecl{"counter", -1}};

  CodeBuilder main("<main>", 0, 2);
  main.line(1).op(Op::Const, main.constant(Constant::ofInt(std::numeric_limits<int64_t>::min())));
  main.op(Op::SetGlobal, 1);
  main.op(Op::GetGlobal, 0).op(Op::Int, static_cast<uint32_t>(-7) & kMaxOperandA).op(Op::Call, 1);
  main.op(Op::Const, main.constant(Constant::ofFloat(-0.0))).op(Op::Add).op(Op::SetLocal, 0);
  main.line(2).op(Op::Closure, 2).op(Op::SetLocal, 1);
  CodeBuilder::Label handler, after;
  main.jump(Op::TryBegin, handler);
  main.op(Op::GetBuiltin, static_cast<uint32_t>(BuiltinId::Print));
  main.op(Op::GetLocal, 1).op(Op::Call, 0).op(Op::Int, 5).op(Op::Call, 1).op(Op::Call, 1);
  main.op(Op::Pop);
  main.op(Op::TryEnd);
  main.jump(Op::Jump, after);
  main.bind(handler);
  main.line(3).op(Op::GetField, main.constant(Constant::ofString("message"))).op(Op::Pop);
  main.bind(after);
  main.op(Op::Int, 1).op(Op::Int, 2).op(Op::BuildRecord, 0).op(Op::Dup);
  main.op(Op::Const, main.constant(Constant::ofFloat(std::numeric_limits<double>::quiet_NaN())));
  main.op(Op::SetField, main.constant(Constant::ofString("x")));
  main.op(Op::BuildRecord, 1).op(Op::Pop);
  main.op(Op::Const, main.constant(Constant::ofString("k"))).op(Op::True).op(Op::BuildMap, 1);
  main.op(Op::Closure, 4).op(Op::GetLocal, 0).op(Op::BuildArray, 1).op(Op::Call, 1);
  main.op2(Op::CallMethod, 1, main.constant(Constant::ofString("push")));
  main.op(Op::Pop).op(Op::Halt);

  CodeBuilder square("square", 1, 1);
  square.line(10).op(Op::GetLocal, 0).op(Op::Dup).op(Op::Mul).op(Op::Return);

  // adder(): captures <main>'s local 0 and returns inner, which captures it in turn.
  CodeBuilder adder("adder", 0, 0);
  adder.capture(true, 0, "base");
  adder.line(20).op(Op::Closure, 3).op(Op::Return);

  CodeBuilder inner("inner", 1, 1);
  inner.capture(false, 0, "base");
  inner.line(21)
      .op(Op::GetUpval, 0)
      .op(Op::GetLocal, 0)
      .op(Op::Add)
      .op(Op::Dup)
      .op(Op::SetUpval, 0);
  inner.op(Op::Return);

  // loop(array): sums the elements; locals 0 array, 1-2 iteration state, 3 sum.
  CodeBuilder loop("loop", 1, 4);
  loop.line(30).op(Op::Int, 0).op(Op::SetLocal, 3);
  loop.op(Op::GetLocal, 0).op(Op::SetLocal, 1).op(Op::Int, 0).op(Op::SetLocal, 2);
  CodeBuilder::Label head, exit, early;
  loop.bind(head);
  loop.line(31).jump(Op::ForIter, exit, 1);
  loop.op(Op::GetLocal, 3).op(Op::Add).op(Op::Dup).op(Op::SetLocal, 3);
  loop.op(Op::Int, 100).op(Op::Gt).jump(Op::JumpIfTrueOrPop, early);
  loop.jump(Op::Jump, head);
  loop.bind(exit);
  loop.line(32).op(Op::GetLocal, 3).op(Op::Return);
  loop.bind(early);
  loop.op(Op::CloseUpvals, 0).op(Op::Throw);
  // Debug information: the set-up, the loop with one statement in its body,
  // the return; the parameter, the loop's hidden slots and the sum.
  REQUIRE(loop.function.code.size() == 20);
  loop.function.statements = {{0, 2, 30, -1}, {2, 16, 31, -1}, {8, 12, 31, 1}, {16, 18, 32, -1}};
  loop.function.locals = {{"array", 0, 0, 20},
                          {"(for collection)", 1, 2, 16},
                          {"(for position)", 2, 2, 16},
                          {"sum", 3, 1, 20}};

  program.functions = {main.function, square.function, adder.function, inner.function,
                       loop.function};
  program.entry = 0;
  finishProgram(program);
  return program;
}

// Rewrites operands of `kind` (and, for functions, global bindings and the
// entry) after a table was permuted: `newIndex[old]` is where entry `old` went.
inline void remapReferences(Program& program, Operand kind, const std::vector<uint32_t>& newIndex) {
  for (Function& function : program.functions) {
    for (std::size_t offset = 0; offset < function.code.size();) {
      Op op = instrOp(function.code[offset]);
      if (opInfo(op).operand == kind) {
        function.code[offset] = makeInstr(op, newIndex[instrA(function.code[offset])]);
      }
      offset += instrWords(op);
    }
  }
  if (kind == Operand::Func) {
    for (GlobalDecl& global : program.globals) {
      if (global.function >= 0) global.function = static_cast<int32_t>(newIndex[global.function]);
    }
    program.entry = newIndex[program.entry];
  }
}

inline void insertFunction(Program& program, std::size_t at, Function function) {
  std::vector<uint32_t> newIndex;
  for (uint32_t i = 0; i < program.functions.size(); ++i) newIndex.push_back(i < at ? i : i + 1);
  remapReferences(program, Operand::Func, newIndex);
  program.functions.insert(program.functions.begin() + static_cast<std::ptrdiff_t>(at),
                           std::move(function));
}

inline void insertGlobal(Program& program, std::size_t at, GlobalDecl global) {
  std::vector<uint32_t> newIndex;
  for (uint32_t i = 0; i < program.globals.size(); ++i) newIndex.push_back(i < at ? i : i + 1);
  remapReferences(program, Operand::Global, newIndex);
  program.globals.insert(program.globals.begin() + static_cast<std::ptrdiff_t>(at),
                         std::move(global));
}

// Reverses the order of the functions (or globals), keeping every reference.
inline void reverseTable(Program& program, Operand kind) {
  std::size_t size = kind == Operand::Func ? program.functions.size() : program.globals.size();
  std::vector<uint32_t> newIndex;
  for (std::size_t i = 0; i < size; ++i) newIndex.push_back(static_cast<uint32_t>(size - 1 - i));
  remapReferences(program, kind, newIndex);
  if (kind == Operand::Func) {
    std::reverse(program.functions.begin(), program.functions.end());
  } else {
    std::reverse(program.globals.begin(), program.globals.end());
  }
}

inline const Function& functionNamed(const Program& program, std::string_view name) {
  int index = program.findFunction(name);
  REQUIRE(index >= 0);
  return program.functions[static_cast<std::size_t>(index)];
}

}  // namespace shapevm::testing
