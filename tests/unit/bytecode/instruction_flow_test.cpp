// The one description of control flow and stack effects (instruction_flow.h),
// the verifier's per-instruction depths built on it (stackDepths), and the
// BytecodeBuilder's labels, line table and running depth.
#include "bytecode/instruction_flow.h"

#include <catch2/catch.hpp>

#include "test_programs.h"

namespace shapevm {
namespace {

using testing::CodeBuilder;

Program programWith(Function main) {
  Program program;
  program.sourceFile = "t.shape";
  program.types = {TypeDecl{"Triple", {"a", "b", "c"}}};
  program.functions.push_back(std::move(main));
  return program;
}

}  // namespace

TEST_CASE("instruction flow: successors, pops and pushes of each kind of instruction", "[flow]") {
  CodeBuilder b("main", 0, 4);
  b.op(Op::Int, 1).op(Op::Int, 2).op(Op::Int, 3).op(Op::BuildRecord, 0);  // 0..3
  b.op(Op::JumpIfFalseOrPop, 9);                                          // 4
  b.op(Op::TryBegin, 9);                                                  // 5
  b.op2(Op::ForIter, 0, 9);                                               // 6, 7
  b.op(Op::Return);                                                       // 8
  b.op(Op::Call, 2);                                                      // 9
  Program p = programWith(b.function);
  const std::vector<Instr>& code = p.functions[0].code;

  InstructionFlow record = instructionFlow(p, code, 3);
  CHECK(record.pops == 3);  // the type's field count
  CHECK(record.pushes == 1);
  CHECK(record.fallsThrough);
  CHECK_FALSE(record.branches);
  CHECK(record.next == 4);

  InstructionFlow keep = instructionFlow(p, code, 4);
  CHECK(keep.branches);
  CHECK(keep.target == 9);
  CHECK(keep.depthAfter(5) == 4);
  CHECK(keep.depthAtTarget(5) == 5);  // the tested value stays when it jumps

  InstructionFlow handler = instructionFlow(p, code, 5);
  CHECK(handler.depthAfter(2) == 2);
  CHECK(handler.depthAtTarget(2) == 3);  // the raised value

  InstructionFlow iter = instructionFlow(p, code, 6);
  CHECK(iter.next == 8);
  CHECK(iter.target == 9);  // the second word
  CHECK(iter.depthAfter(0) == 1);
  CHECK(iter.depthAtTarget(0) == 0);  // pushes only when it falls through

  InstructionFlow ret = instructionFlow(p, code, 8);
  CHECK_FALSE(ret.fallsThrough);
  CHECK_FALSE(ret.branches);

  CHECK(instructionFlow(p, code, 9).pops == 3);  // callee and two arguments
}

TEST_CASE("stackDepths: the depth on entry to every instruction", "[flow]") {
  CodeBuilder b("main", 0, 3);
  CodeBuilder::Label handler, after, exit, head;
  b.op(Op::Int, 1).op(Op::Int, 2).op(Op::Add).op(Op::SetLocal, 2);                 // 0..3: 0 1 2 1
  b.jump(Op::TryBegin, handler);                                                   // 4: 0
  b.op(Op::None).op(Op::Throw);                                                    // 5 6: 0 1
  b.bind(handler).op(Op::Pop).op(Op::TryEnd);                                      // 7 8: 1 0
  b.op(Op::BuildArray, 0).op(Op::SetLocal, 0).op(Op::Int, 0).op(Op::SetLocal, 1);  // 9..12
  b.bind(head).jump(Op::ForIter, exit, 0);                                         // 13, 14: 0
  b.op(Op::Pop).jump(Op::Jump, head);                                              // 15 16: 1 0
  b.bind(exit).op(Op::None).op(Op::Return);                                        // 17 18: 0 1
  b.jump(Op::Jump, after);     // 19: never reached
  b.bind(after).op(Op::Halt);  // 20: never reached
  b.function.maxStack = 2;
  Program p = programWith(b.function);
  REQUIRE_FALSE(verifyProgram(p, "t.sbc"));

  Result<std::vector<int32_t>> depths = stackDepths(p, 0);
  REQUIRE(depths.ok());
  std::vector<int32_t> expected = {0,
                                   1,
                                   2,
                                   1,
                                   0,
                                   0,
                                   1,
                                   1,
                                   0,
                                   0,
                                   1,
                                   0,
                                   1,
                                   0,
                                   kNoStackDepth,
                                   1,
                                   0,
                                   0,
                                   1,
                                   kNoStackDepth,
                                   kNoStackDepth};
  CHECK(depths.value() == expected);

  // A program the verifier rejects has no depths, only its first problem.
  p.functions[0].code[0] = makeInstr(Op::Pop);
  CHECK_FALSE(stackDepths(p, 0).ok());
}

TEST_CASE("BytecodeBuilder: labels, line table and the running depth", "[builder]") {
  Program p = programWith(Function{});
  Function& f = p.functions[0];
  f.name = "main";
  f.numLocals = 1;
  BytecodeBuilder b(f, &p);
  BytecodeBuilder::Label top, done, unused;
  b.setLine(7);
  b.bind(top);
  b.emit(Op::Int, 1);
  b.emit(Op::Int, 2);
  b.emit(Op::Int, 3);
  CHECK(b.depth() == 3);
  b.emit(Op::BuildRecord, 0);  // pops the type's three fields
  CHECK(b.depth() == 1);
  b.setLine(8);
  b.emitBranch(Op::JumpIfTrue, done);  // forward: patched at bind
  CHECK(done.hasPendingBranches());
  b.emitBranch(Op::Jump, top);  // backward: the target is known
  CHECK_FALSE(b.reachable());   // nothing falls through a jump
  b.bind(unused);               // no branch waits here: still unreachable
  CHECK_FALSE(b.reachable());
  b.bind(done);
  CHECK(b.reachable());
  CHECK(b.depth() == 0);  // the depth the jump_if_true brings
  b.emit(Op::None);
  b.emit(Op::Return);
  b.finish();

  CHECK(f.code == std::vector<Instr>{makeInstr(Op::Int, 1), makeInstr(Op::Int, 2),
                                     makeInstr(Op::Int, 3), makeInstr(Op::BuildRecord, 0),
                                     makeInstr(Op::JumpIfTrue, 6), makeInstr(Op::Jump, 0),
                                     makeInstr(Op::None), makeInstr(Op::Return)});
  CHECK(f.lines == std::vector<LineEntry>{{0, 7}, {4, 8}});
  CHECK(f.maxStack == 3);
  CHECK(computeMaxStack(p, f, "t.sbc").value() == f.maxStack);
  CHECK_FALSE(verifyProgram(p, "t.sbc"));
}

TEST_CASE("BytecodeBuilder: a peephole rewrites the tail, keeping depth and branch sites",
          "[builder]") {
  Program p = programWith(Function{});
  Function& f = p.functions[0];
  f.name = "main";
  f.numLocals = 2;
  BytecodeBuilder b(f, &p);
  // lt; jump_if_false L -> jump_if_not_lt L
  b.setPeephole([&b] {
    std::optional<BytecodeBuilder::Emitted> last = b.emitted(0), prev = b.emitted(1);
    if (!last || !prev || last->op != Op::JumpIfFalse || prev->op != Op::Lt) return false;
    b.replaceTail(*prev, {{Op::JumpIfNotLt, last->a}});
    return true;
  });
  BytecodeBuilder::Label exit;
  b.setLine(1);
  b.emit(Op::GetLocal, 0);
  b.emit(Op::GetLocal, 1);
  b.emit(Op::Lt);
  b.emitBranch(Op::JumpIfFalse, exit);
  CHECK(b.depth() == 0);
  CHECK(b.maxDepth() == 2);
  b.emit(Op::None);
  b.emit(Op::Pop);
  b.bind(exit);
  b.emit(Op::None);
  b.emit(Op::Return);
  CHECK(f.code[2] == makeInstr(Op::JumpIfNotLt, 5));  // the fused branch was patched
  CHECK(f.code.size() == 7);
}

}  // namespace shapevm
