// Bytecode of the prelude functions (see prelude.h). Each is written out
// instruction by instruction, all on line 0; the unit tests verify them like
// any program.
#include "interp/prelude.h"

#include "bytecode/bytecode_builder.h"

namespace shapevm {

namespace {

// Locals shared by the three functions: 0 array, 1 callback, 2 accumulator,
// 3-4 iteration state (collection, position), 5 current element.
constexpr uint32_t kArray = 0, kCallback = 1, kAccumulator = 2, kIter = 3, kElement = 5;

Function declareFunction(const char* name, uint32_t arity) {
  Function f;
  f.name = name;
  f.arity = arity;
  f.numLocals = 6;
  f.maxStack = 4;
  f.constants = {Constant::ofString("push")};
  return f;
}

// `for element in array`: the loop head and the exit.
struct Loop {
  BytecodeBuilder::Label head, exit;
};

void openLoop(BytecodeBuilder& b, Loop& loop) {
  b.emit(Op::GetLocal, kArray);
  b.emit(Op::SetLocal, kIter);
  b.emit(Op::Int, 0);
  b.emit(Op::SetLocal, kIter + 1);
  b.bind(loop.head);
  b.emitBranch(Op::ForIter, loop.exit, kIter);
  b.emit(Op::SetLocal, kElement);
}

void closeLoop(BytecodeBuilder& b, Loop& loop) {
  b.emitBranch(Op::Jump, loop.head);
  b.bind(loop.exit);
  b.emit(Op::GetLocal, kAccumulator);
  b.emit(Op::Return);
}

// accumulator.push(value on stack), discarding the returned array.
void pushToAccumulator(BytecodeBuilder& b) {
  b.emit(Op::CallMethod, 1, 0);
  b.emit(Op::Pop);
}

}  // namespace

std::vector<Function> buildPrelude() {
  std::vector<Function> prelude;
  {  // map(array, f): [f(x) for x in array]
    Function f = declareFunction(kPreludeMap, 2);
    BytecodeBuilder b(f);
    Loop loop;
    b.setLine(0);
    b.emit(Op::BuildArray, 0);
    b.emit(Op::SetLocal, kAccumulator);
    openLoop(b, loop);
    b.emit(Op::GetLocal, kAccumulator);
    b.emit(Op::GetLocal, kCallback);
    b.emit(Op::GetLocal, kElement);
    b.emit(Op::Call, 1);
    pushToAccumulator(b);
    closeLoop(b, loop);
    prelude.push_back(std::move(f));
  }
  {  // filter(array, f): [x for x in array if f(x)]
    Function f = declareFunction(kPreludeFilter, 2);
    BytecodeBuilder b(f);
    Loop loop;
    b.setLine(0);
    b.emit(Op::BuildArray, 0);
    b.emit(Op::SetLocal, kAccumulator);
    openLoop(b, loop);
    b.emit(Op::GetLocal, kCallback);
    b.emit(Op::GetLocal, kElement);
    b.emit(Op::Call, 1);
    b.emitBranch(Op::JumpIfFalse, loop.head);
    b.emit(Op::GetLocal, kAccumulator);
    b.emit(Op::GetLocal, kElement);
    pushToAccumulator(b);
    closeLoop(b, loop);
    prelude.push_back(std::move(f));
  }
  {  // reduce(array, f, init): fold left
    Function f = declareFunction(kPreludeReduce, 3);
    BytecodeBuilder b(f);
    Loop loop;
    b.setLine(0);
    openLoop(b, loop);
    b.emit(Op::GetLocal, kCallback);
    b.emit(Op::GetLocal, kAccumulator);
    b.emit(Op::GetLocal, kElement);
    b.emit(Op::Call, 2);
    b.emit(Op::SetLocal, kAccumulator);
    closeLoop(b, loop);
    prelude.push_back(std::move(f));
  }
  return prelude;
}

}  // namespace shapevm
