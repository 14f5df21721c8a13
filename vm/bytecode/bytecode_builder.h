// Builds the code of one function: appends instructions, resolves labels for
// forward and backward jumps, keeps the line table, and (given the Program)
// keeps the running operand-stack depth and its maximum, all from the one
// description of what an instruction does (instruction_flow.h). The compiler,
// the assembler, the prelude and the tests build bytecode through it.
//
// Running depth: after an instruction that cannot fall through (jump, return,
// throw) the code that follows is unreachable and its depth unknown, until a
// label that some earlier branch targets is bound: the depth there is the one
// that branch brings. A label bound while the code is reachable takes the
// current depth, which later (backward) branches to it must bring too.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <vector>

#include "bytecode/opcodes.h"
#include "bytecode/program.h"

namespace shapevm {

class BytecodeBuilder {
 public:
  // A branch target in the function being built. Branches emitted before it
  // is bound are patched when it is.
  class Label {
   public:
    bool isBound() const { return target_ >= 0; }
    // Some branch emitted before the label was bound targets it.
    bool hasPendingBranches() const { return !sites_.empty(); }

   private:
    friend class BytecodeBuilder;
    struct Site {
      uint32_t word;
      bool wholeWord;  // the B word of a two-word instruction, else operand A
    };
    int64_t target_ = -1;  // word offset once bound
    int64_t depth_ = -1;   // stack depth on arrival, once known
    std::vector<Site> sites_;
  };

  struct Instruction {
    Op op;
    uint32_t a = 0;
    uint32_t b = 0;
  };

  // An instruction already in the code, for rewriting the tail.
  struct Emitted {
    Op op;
    uint32_t a;
    uint32_t start;  // its word offset
  };

  // Appends to `function`'s code and line table. `program` (which must outlive
  // the builder) gives record types' field counts for the running depth;
  // without it no depth is kept (operands may still be unresolved names).
  explicit BytecodeBuilder(Function& function, const Program* program = nullptr)
      : function_(function), program_(program) {}

  uint32_t here() const { return static_cast<uint32_t>(function_.code.size()); }

  // The source line of the instructions that follow; the line table gets an
  // entry where the line changes.
  void setLine(uint32_t line) { line_ = line; }

  // Appends one instruction (B is the second word of a two-word format),
  // then lets the peephole rewrite the tail until it declines.
  void emit(Op op, uint32_t a = 0, uint32_t b = 0);

  // A branch to `label`: its target goes to operand A, or to B for the
  // formats that keep it there (then `a` is operand A).
  void emitBranch(Op op, Label& label, uint32_t a = 0);

  // Binds `label` here and patches the branches that wait for it.
  void bind(Label& label);

  // Whether control can reach the end of the code (always true without a
  // Program), the operand depth there, and the deepest point so far.
  bool reachable() const { return reachable_; }
  int64_t depth() const { return depth_; }
  int64_t maxDepth() const { return maxDepth_; }

  // Sets the function's maxStack to the deepest point reached.
  void finish() { function_.maxStack = static_cast<uint32_t>(maxDepth_); }

  // ---- rewriting the tail (the compiler's superinstruction fusion)

  // Called after every instruction (and after each rewrite); returns whether
  // it rewrote the tail.
  void setPeephole(std::function<bool()> peephole) { peephole_ = std::move(peephole); }

  // The instruction `back` places from the end (0 = the last one); nullopt if
  // there is none or a label is bound inside the sequence from it to the end
  // (a branch may land only on a rewritten sequence's first instruction).
  std::optional<Emitted> emitted(std::size_t back) const;

  // Replaces the instructions from `first` to the end with `code`, which must
  // have the same stack effect. The new code takes the current line.
  void replaceTail(const Emitted& first, std::initializer_list<Instruction> code);

 private:
  void append(const Instruction& instruction);
  void markLine();
  void trackDepth(Op op, uint32_t a);

  Function& function_;
  const Program* program_;
  std::optional<uint32_t> line_;
  int64_t depth_ = 0;
  int64_t maxDepth_ = 0;
  bool reachable_ = true;
  std::vector<uint32_t> starts_;      // offsets of the instructions emitted
  std::vector<int64_t> maxBefore_;    // maxDepth_ before each of them
  std::vector<int64_t> depthBefore_;  // depth_ before each of them
  uint32_t boundAt_ = 0;              // offset the last label was bound at
  std::function<bool()> peephole_;
};

}  // namespace shapevm
