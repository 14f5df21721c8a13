// The verifier's stack depths (verifier.h, stackDepths) with the instruction
// boundaries marked, as restore needs them (see code_shape.h).
#include "snapshot/code_shape.h"

#include "bytecode/verifier.h"

namespace shapevm {

CodeShape analyzeCode(const Program& program, uint32_t function) {
  const std::vector<Instr>& code = program.functions[function].code;
  CodeShape shape;
  shape.depth.assign(code.size(), CodeShape::kNotAnInstruction);
  shape.previous.assign(code.size() + 1, -1);
  for (std::size_t at = 0; at < code.size();) {
    uint32_t words = instrWords(instrOp(code[at]));
    shape.depth[at] = CodeShape::kUnreachable;
    if (at + words <= code.size()) shape.previous[at + words] = static_cast<int32_t>(at);
    at += words;
  }
  // A program that would not verify has no trustworthy depths: every
  // instruction stays unreachable, so no saved frame can point into it.
  Result<std::vector<int32_t>> depths = stackDepths(program, function);
  if (!depths) return shape;
  for (std::size_t at = 0; at < code.size(); ++at) {
    if (depths.value()[at] != kNoStackDepth) shape.depth[at] = depths.value()[at];
  }
  return shape;
}

}  // namespace shapevm
