// Moving a frame from old code into the new code while the program runs
// (docs/suspend-resume.md, "Patching a running job"). After a relocation, a
// frame whose statement changed keeps running the old code of its function;
// the snapshot module finds the statements of that old code where the frame
// can continue in the new code (CodeMove, vm.h) and the VM patches a
// move_frame instruction over each. Only old code carries the patches, so a
// program that never ran old code executes exactly as before.
#include <algorithm>

#include "core/config.h"
#include "interp/vm.h"

namespace shapevm {

void VM::addCodeMove(CodeMove move) {
  ExecWord& word = functions[move.from].exec[move.at];
  move.original = execInstr(word);
  auto index = static_cast<uint32_t>(codeMoves.size());
  Instr patch = static_cast<Instr>(Op::MoveFrame) | index << 8;
  word = (word & ~ExecWord{0xffffffff}) | patch;
  codeMoves.push_back(std::move(move));
}

bool VM::moveFrame(uint32_t index) {
  const CodeMove& move = codeMoves[index];
  uint32_t depth = frameCount - 1;
  Frame& frame = frames[depth];
  const Function& from = program.functions[move.from];
  const Function& to = program.functions[move.to];
  auto undo = [&] {
    ExecWord& word = functions[move.from].exec[move.at];
    word = (word & ~ExecWord{0xffffffff}) | move.original;
    return false;
  };
  auto newCatch = [&](uint32_t oldCatch) -> int64_t {
    for (auto [before, after] : move.catches) {
      if (before == oldCatch) return after;
    }
    return -1;
  };
  for (const Handler& handler : handlers) {
    if (handler.frameDepth == depth && newCatch(handler.catchOffset) < 0) return undo();
  }
  Value* base = frame.base;
  auto operands = static_cast<uint32_t>(sp - (base + from.numLocals));
  if (base + to.numLocals + std::max(to.maxStack, operands) >
      stack + kMaxStackSlots - kStackSlack) {
    return undo();
  }

  // The operands sit above the locals, whose count may change: keep both.
  std::vector<Value> oldLocals(base, base + from.numLocals);
  std::vector<Value> oldOperands(base + from.numLocals, sp);
  std::vector<int64_t> slotMoves(from.numLocals, -1);
  for (uint32_t slot = 0; slot < to.numLocals; ++slot) base[slot] = Value::none();
  for (auto [newSlot, oldSlot] : move.locals) {
    base[newSlot] = oldLocals[oldSlot];
    slotMoves[oldSlot] = newSlot;
  }
  std::copy(oldOperands.begin(), oldOperands.end(), base + to.numLocals);
  sp = base + to.numLocals + operands;

  // Open upvalues of this frame follow their local; one whose local is gone
  // is closed with its value. The open list stays sorted by slot, highest
  // first, so it is rebuilt from this frame's part.
  std::vector<Upvalue*> moved;
  Upvalue** link = &openUpvalues;
  while (*link != nullptr && (*link)->location >= base) {
    Upvalue* upvalue = *link;
    *link = upvalue->nextOpen;
    auto slot = static_cast<std::size_t>(upvalue->location - base);
    if (slot < slotMoves.size() && slotMoves[slot] >= 0) {
      upvalue->location = base + slotMoves[slot];
      moved.push_back(upvalue);
    } else {
      upvalue->closed = slot < oldLocals.size() ? oldLocals[slot] : Value::none();
      upvalue->location = &upvalue->closed;
    }
  }
  std::sort(moved.begin(), moved.end(),
            [](const Upvalue* a, const Upvalue* b) { return a->location < b->location; });
  for (Upvalue* upvalue : moved) {
    upvalue->nextOpen = openUpvalues;
    openUpvalues = upvalue;
  }

  int64_t localsChange = int64_t{to.numLocals} - int64_t{from.numLocals};
  for (Handler& handler : handlers) {
    if (handler.frameDepth != depth) continue;
    handler.catchOffset = static_cast<uint32_t>(newCatch(handler.catchOffset));
    handler.stackSize = static_cast<uint32_t>(int64_t{handler.stackSize} + localsChange);
  }
  frame.function = move.to;
  frame.ip = functions[move.to].exec.data() + move.ip;
  return true;
}

}  // namespace shapevm
