// Stack-depth analysis over the opcode table (see code_shape.h). The branch
// rules match the emitter's and the verifier's: a taken branch pops what the
// instruction pops, except kKeepOnBranch (the value stays) and ForIter (pushes
// only on fallthrough); a try's catch target starts with the raised value on
// top of the depth at the try.
#include "snapshot/code_shape.h"

namespace shapevm {

namespace {

int64_t popsOf(const Program& program, Instr word) {
  const OpInfo& info = opInfo(instrOp(word));
  switch (info.pops) {
    case kPopsArgs:
      return int64_t{instrA(word)} + 1;
    case kPopsCount:
      return instrA(word);
    case kPopsPairs:
      return int64_t{instrA(word)} * 2;
    case kPopsFields:
      return static_cast<int64_t>(program.types[instrA(word)].fields.size());
    default:
      return info.pops;
  }
}

}  // namespace

CodeShape analyzeCode(const Program& program, const Function& function) {
  const std::vector<Instr>& code = function.code;
  CodeShape shape;
  shape.depth.assign(code.size(), CodeShape::kNotAnInstruction);
  shape.previous.assign(code.size() + 1, -1);
  for (std::size_t at = 0; at < code.size();) {
    uint32_t words = instrWords(instrOp(code[at]));
    shape.depth[at] = CodeShape::kUnreachable;
    if (at + words <= code.size()) shape.previous[at + words] = static_cast<int32_t>(at);
    at += words;
  }
  std::vector<uint32_t> work;
  auto reach = [&](uint64_t target, int64_t depth) {
    if (target >= code.size() || depth < 0 || depth > INT32_MAX) return;
    if (shape.depth[target] != CodeShape::kUnreachable) return;  // first path wins (verified equal)
    shape.depth[target] = static_cast<int32_t>(depth);
    work.push_back(static_cast<uint32_t>(target));
  };
  reach(0, 0);
  while (!work.empty()) {
    uint32_t at = work.back();
    work.pop_back();
    Instr word = code[at];
    Op op = instrOp(word);
    const OpInfo& info = opInfo(op);
    int64_t depth = shape.depth[at];
    int64_t after = depth - popsOf(program, word) + info.pushes;
    if (info.operand == Operand::Jump) {
      int64_t branchDepth = op == Op::TryBegin                  ? depth + 1
                            : (info.flags & kKeepOnBranch) != 0 ? depth
                                                                : depth - popsOf(program, word);
      reach(instrA(word), branchDepth);
    } else if (hasTargetInB(info.operand) && at + 1 < code.size()) {
      reach(code[at + 1], (info.flags & kPushOnFallthrough) ? depth : after);
    }
    if (!(info.flags & kNoFallthrough)) reach(at + instrWords(op), after);
  }
  return shape;
}

}  // namespace shapevm
