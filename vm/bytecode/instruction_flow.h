// What one instruction does to control flow and the operand stack: where
// control may go next and how deep the stack is on each way out. It is the
// one reading of the opcode table's pops, pushes and flags (opcodes.h); the
// compiler's running depth, the verifier's stack analysis and restore's
// check of a saved frame all take their numbers from here.
//
// Rules, for an instruction entered with the stack `depth` deep:
//  - it first takes `pops` values (a fixed count, or one set by operand A or
//    by the Program: a record construction pops its type's field count);
//  - falling through, it leaves `depth - pops + pushes`;
//  - a taken branch leaves `depth - pops + branchPushes`: a try's handler
//    starts with the raised value on top, and a kKeepOnBranch jump leaves the
//    value it tested; for_iter pushes only when it falls through.
// Operands must be in range (the verifier checks them before it asks).
#pragma once

#include <cstdint>

#include "bytecode/opcodes.h"
#include "bytecode/program.h"

namespace shapevm {

// The values `op` with operand `a` takes from the stack.
inline int64_t popsOf(const Program& program, Op op, uint32_t a) {
  switch (opInfo(op).pops) {
    case kPopsArgs:
      return int64_t{a} + 1;
    case kPopsCount:
      return a;
    case kPopsPairs:
      return int64_t{a} * 2;
    case kPopsFields:
      return static_cast<int64_t>(program.types[a].fields.size());
    default:
      return opInfo(op).pops;
  }
}

// The values on top of `depth - pops` when `op`'s branch is taken.
inline constexpr int64_t branchPushesOf(Op op) {
  if (op == Op::TryBegin) return 1;  // the raised value
  if (opInfo(op).flags & kKeepOnBranch) return 1;
  return 0;
}

// Whether `op` has a branch target (operand A, or the second word B).
inline constexpr bool hasBranchTarget(Op op) {
  return opInfo(op).operand == Operand::Jump || hasTargetInB(opInfo(op).operand);
}

struct InstructionFlow {
  uint32_t next = 0;          // offset of the following instruction
  bool fallsThrough = false;  // control may continue at `next`
  bool branches = false;      // control may continue at `target`
  uint32_t target = 0;
  int64_t pops = 0;
  int64_t pushes = 0;        // when falling through
  int64_t branchPushes = 0;  // when branching

  int64_t depthAfter(int64_t depth) const { return depth - pops + pushes; }
  int64_t depthAtTarget(int64_t depth) const { return depth - pops + branchPushes; }
};

// The flow of the instruction starting at `code[offset]`; a two-word
// instruction must be whole (code.size() >= offset + 2).
inline InstructionFlow instructionFlow(const Program& program, const std::vector<Instr>& code,
                                       uint32_t offset) {
  Instr word = code[offset];
  Op op = instrOp(word);
  const OpInfo& info = opInfo(op);
  InstructionFlow flow;
  flow.next = offset + instrWords(op);
  flow.fallsThrough = !(info.flags & kNoFallthrough);
  flow.branches = hasBranchTarget(op);
  if (flow.branches) flow.target = hasTargetInB(info.operand) ? code[offset + 1] : instrA(word);
  flow.pops = popsOf(program, op, instrA(word));
  flow.pushes = info.pushes;
  flow.branchPushes = branchPushesOf(op);
  return flow;
}

}  // namespace shapevm
