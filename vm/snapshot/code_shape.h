// The shape of a function's code as the verifier sees it: where instructions
// start and the operand stack depth on entry to each reachable instruction.
// Restore uses it to prove that a saved frame's ip is an instruction boundary
// and that the saved stack holds exactly the operands the code there expects,
// so resumed code runs under the same guarantees as code the verifier passed.
#pragma once

#include <cstdint>
#include <vector>

#include "bytecode/program.h"

namespace shapevm {

struct CodeShape {
  static constexpr int32_t kNotAnInstruction = -1;  // inside a two-word instruction
  static constexpr int32_t kUnreachable = -2;

  // Per word offset: the operand depth on entry, or one of the markers above.
  std::vector<int32_t> depth;
  // Per word offset: offset of the instruction that ends there, or -1.
  std::vector<int32_t> previous;

  bool isInstruction(uint32_t offset) const {
    return offset < depth.size() && depth[offset] != kNotAnInstruction;
  }
  bool isReachable(uint32_t offset) const { return offset < depth.size() && depth[offset] >= 0; }
};

// The shape of function `function` of the verified `program`.
CodeShape analyzeCode(const Program& program, uint32_t function);

}  // namespace shapevm
