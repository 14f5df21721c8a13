// Bytecode of the prelude functions (see prelude.h). Each is written out
// instruction by instruction; the unit tests verify them like any program.
#include "interp/prelude.h"

namespace shapevm {

namespace {

// Emits code for one function, resolving the single forward label each needs.
struct CodeBuilder {
  std::vector<Instr> code;
  uint32_t here() const { return static_cast<uint32_t>(code.size()); }
  void emit(Op op, uint32_t a = 0) { code.push_back(makeInstr(op, a)); }
  void emit2(Op op, uint32_t a, uint32_t b) {
    code.push_back(makeInstr(op, a));
    code.push_back(b);
  }
};

// Locals shared by the three functions: 0 array, 1 callback, 2 accumulator,
// 3-4 iteration state (collection, position), 5 current element.
constexpr uint32_t kArray = 0, kCallback = 1, kAccumulator = 2, kIter = 3, kElement = 5;

Function makeFunction(const char* name, uint32_t arity, CodeBuilder& body) {
  Function f;
  f.name = name;
  f.arity = arity;
  f.numLocals = 6;
  f.maxStack = 4;
  f.constants = {Constant::ofString("push")};
  f.code = std::move(body.code);
  f.lines = {LineEntry{0, 0}};
  return f;
}

// Opens `for element in array`, returning the loop head; the exit target of
// the for_iter word (at head + 1) is patched by closeLoop.
uint32_t openLoop(CodeBuilder& b) {
  b.emit(Op::GetLocal, kArray);
  b.emit(Op::SetLocal, kIter);
  b.emit(Op::Int, 0);
  b.emit(Op::SetLocal, kIter + 1);
  uint32_t head = b.here();
  b.emit2(Op::ForIter, kIter, 0);
  b.emit(Op::SetLocal, kElement);
  return head;
}

void closeLoop(CodeBuilder& b, uint32_t head) {
  b.emit(Op::Jump, head);
  b.code[head + 1] = b.here();
  b.emit(Op::GetLocal, kAccumulator);
  b.emit(Op::Return);
}

// accumulator.push(value on stack), discarding the returned array.
void pushToAccumulator(CodeBuilder& b) {
  b.emit2(Op::CallMethod, 1, 0);
  b.emit(Op::Pop);
}

}  // namespace

std::vector<Function> buildPrelude() {
  std::vector<Function> prelude;
  {  // map(array, f): [f(x) for x in array]
    CodeBuilder b;
    b.emit(Op::BuildArray, 0);
    b.emit(Op::SetLocal, kAccumulator);
    uint32_t head = openLoop(b);
    b.emit(Op::GetLocal, kAccumulator);
    b.emit(Op::GetLocal, kCallback);
    b.emit(Op::GetLocal, kElement);
    b.emit(Op::Call, 1);
    pushToAccumulator(b);
    closeLoop(b, head);
    prelude.push_back(makeFunction(kPreludeMap, 2, b));
  }
  {  // filter(array, f): [x for x in array if f(x)]
    CodeBuilder b;
    b.emit(Op::BuildArray, 0);
    b.emit(Op::SetLocal, kAccumulator);
    uint32_t head = openLoop(b);
    b.emit(Op::GetLocal, kCallback);
    b.emit(Op::GetLocal, kElement);
    b.emit(Op::Call, 1);
    b.emit(Op::JumpIfFalse, head);
    b.emit(Op::GetLocal, kAccumulator);
    b.emit(Op::GetLocal, kElement);
    pushToAccumulator(b);
    closeLoop(b, head);
    prelude.push_back(makeFunction(kPreludeFilter, 2, b));
  }
  {  // reduce(array, f, init): fold left
    CodeBuilder b;
    uint32_t head = openLoop(b);
    b.emit(Op::GetLocal, kCallback);
    b.emit(Op::GetLocal, kAccumulator);
    b.emit(Op::GetLocal, kElement);
    b.emit(Op::Call, 2);
    b.emit(Op::SetLocal, kAccumulator);
    closeLoop(b, head);
    prelude.push_back(makeFunction(kPreludeReduce, 3, b));
  }
  return prelude;
}

}  // namespace shapevm
