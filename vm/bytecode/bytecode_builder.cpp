// The bytecode builder (see bytecode_builder.h).
#include "bytecode/bytecode_builder.h"

#include <algorithm>

#include "bytecode/instruction_flow.h"

namespace shapevm {

void BytecodeBuilder::markLine() {
  if (!line_) return;
  if (function_.lines.empty() || function_.lines.back().line != *line_) {
    function_.lines.push_back(LineEntry{here(), *line_});
  }
}

void BytecodeBuilder::append(const Instruction& instruction) {
  markLine();
  starts_.push_back(here());
  maxBefore_.push_back(maxDepth_);
  depthBefore_.push_back(depth_);
  function_.code.push_back(makeInstr(instruction.op, instruction.a));
  if (instrWords(instruction.op) == 2) function_.code.push_back(instruction.b);
}

void BytecodeBuilder::trackDepth(Op op, uint32_t a) {
  if (program_ == nullptr) return;
  depth_ += opInfo(op).pushes - popsOf(*program_, op, a);
  maxDepth_ = std::max(maxDepth_, depth_);
  if (opInfo(op).flags & kNoFallthrough) reachable_ = false;
}

void BytecodeBuilder::emit(Op op, uint32_t a, uint32_t b) {
  append(Instruction{op, a, b});
  trackDepth(op, a);
  while (peephole_ && peephole_()) {
  }
}

void BytecodeBuilder::emitBranch(Op op, Label& label, uint32_t a) {
  if (program_ != nullptr && label.depth_ < 0) {
    label.depth_ = depth_ - popsOf(*program_, op, a) + branchPushesOf(op);
  }
  uint32_t target = label.isBound() ? static_cast<uint32_t>(label.target_) : 0;
  if (hasTargetInB(opInfo(op).operand)) {
    emit(op, a, target);
  } else {
    emit(op, target);  // the peephole may fuse it with the instructions before it
  }
  if (!label.isBound() && !starts_.empty()) {
    // The target is the last instruction's A, or its second word if the
    // peephole made it a two-word compare-and-branch.
    uint32_t last = starts_.back();
    if (hasTargetInB(opInfo(instrOp(function_.code[last])).operand)) {
      label.sites_.push_back({last + 1, true});
    } else {
      label.sites_.push_back({last, false});
    }
  }
}

void BytecodeBuilder::bind(Label& label) {
  label.target_ = here();
  boundAt_ = here();
  for (const Label::Site& site : label.sites_) {
    Instr& word = function_.code[site.word];
    word = site.wholeWord ? here() : makeInstr(instrOp(word), here());
  }
  if (!reachable_ && !label.sites_.empty()) {
    reachable_ = true;
    depth_ = label.depth_;
    maxDepth_ = std::max(maxDepth_, depth_);  // a catch block starts one value deeper
  }
  if (reachable_ && label.depth_ < 0) label.depth_ = depth_;
  label.sites_.clear();
}

std::optional<BytecodeBuilder::Emitted> BytecodeBuilder::emitted(std::size_t back) const {
  if (starts_.size() <= back) return std::nullopt;
  uint32_t start = starts_[starts_.size() - 1 - back];
  if (back > 0 && boundAt_ > start) return std::nullopt;  // a label inside the sequence
  return Emitted{instrOp(function_.code[start]), instrA(function_.code[start]), start};
}

void BytecodeBuilder::replaceTail(const Emitted& first, std::initializer_list<Instruction> code) {
  function_.code.resize(first.start);
  while (starts_.back() > first.start) {
    starts_.pop_back();
    maxBefore_.pop_back();
    depthBefore_.pop_back();
  }
  starts_.pop_back();
  int64_t maxDepth = maxBefore_.back();
  int64_t depth = depthBefore_.back();
  maxBefore_.pop_back();
  depthBefore_.pop_back();
  std::vector<LineEntry>& lines = function_.lines;
  while (!lines.empty() && lines.back().offset > first.start) lines.pop_back();
  if (!lines.empty() && lines.back().offset == first.start) lines.pop_back();
  // The stack no longer holds the replaced sequence's temporaries, so the
  // deepest point is recomputed over the new instructions.
  maxDepth_ = maxDepth;
  depth_ = depth;
  for (const Instruction& instruction : code) {
    append(instruction);
    trackDepth(instruction.op, instruction.a);
  }
}

}  // namespace shapevm
