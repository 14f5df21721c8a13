// VM construction, program loading, roots for the collector, upvalues, error
// objects, stack traces and output buffering. The dispatch loop itself is in
// interpreter.cpp.
#include "interp/vm.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "bytecode/builtin_names.h"
#include "bytecode/function_hash.h"
#include "interp/prelude.h"

namespace shapevm {

namespace {

// The stack (64 MiB) and the frames (6 MiB) are address space reserved up
// front, of which a run touches what it uses. They are mapped directly: zero
// pages until written, and released whole, without going through malloc,
// which under AddressSanitizer marked every byte of both in its shadow memory
// at each start and exit (half the cost of starting the VM in the test suite).
void* reserveZeroed(std::size_t bytes) {
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return memory == MAP_FAILED ? nullptr : memory;
}

void release(void* memory, std::size_t bytes) {
  if (memory != nullptr) munmap(memory, bytes);
}

}  // namespace

VM::VM(VMOptions opts) : options(opts), heap(opts.maxMemory) {
  stack = static_cast<Value*>(reserveZeroed(kMaxStackSlots * sizeof(Value)));
  frames = static_cast<Frame*>(reserveZeroed(kMaxFrames * sizeof(Frame)));
  if (stack == nullptr || frames == nullptr) {
    release(stack, kMaxStackSlots * sizeof(Value));
    release(frames, kMaxFrames * sizeof(Frame));
    throw std::bad_alloc();
  }
  sp = stack;
  errorType.name = "Error";
  errorType.fields = {"kind", "message"};
  errorType.fieldNames = {heap.intern("kind"), heap.intern("message")};
  rng.seed(options.seed);
  heap.setRootMarker([this](Heap& h) { markRoots(h); });
  for (int c = 0; c < 256; ++c) {
    char byte = static_cast<char>(c);
    charStrings[c] = heap.intern(std::string_view(&byte, 1));
  }
  memoryError = makeError("MemoryError", "out of memory: the heap limit was reached");
}

VM::~VM() {
  flushOutput();
  release(stack, kMaxStackSlots * sizeof(Value));
  release(frames, kMaxFrames * sizeof(Frame));
}

// The step budget is charged one straight-line run at a time: from any
// instruction through the next one that may branch, call or return, control
// passes through every instruction in between, so entering the run at its
// first instruction can pay for all of them at once. Every word of an
// instruction gets its value, so the interpreter can also look it up from the
// position just after an instruction's operands.
static std::vector<uint32_t> runLengths(const std::vector<Instr>& code) {
  std::vector<uint32_t> starts;
  for (std::size_t at = 0; at < code.size(); at += instrWords(instrOp(code[at]))) {
    starts.push_back(static_cast<uint32_t>(at));
  }
  std::vector<uint32_t> lengths(code.size(), 1);
  uint32_t following = 0;  // the run length at the next instruction
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
    Op op = instrOp(code[*it]);
    uint32_t length = endsRun(op) ? 1 : 1 + following;
    for (uint32_t word = *it; word < *it + instrWords(op) && word < code.size(); ++word) {
      lengths[word] = length;
    }
    following = length;
  }
  return lengths;
}

std::optional<Diagnostic> VM::load(Program loaded) {
  program = std::move(loaded);
  userFunctionCount = static_cast<uint32_t>(program.functions.size());
  for (auto* table : {&arrayPrelude, &mapPrelude}) {
    for (auto& byArgs : *table) byArgs.fill(kNoPrelude);
  }
  for (const PreludeMethod& method : preludeMethods()) {
    if (program.findFunction(method.function.name) >= 0) {
      return Diagnostic::inFile(
          program.sourceFile, fmt::format("function name '{}' is reserved", method.function.name));
    }
    auto index = static_cast<uint32_t>(program.functions.size());
    PreludeTable& table = method.onMaps ? mapPrelude : arrayPrelude;
    uint32_t argc = method.function.arity - 1;  // the receiver is the first parameter
    table[static_cast<std::size_t>(method.method)][argc] = index;
    program.functions.push_back(method.function);
  }
  computeHashes(program);

  functions.clear();
  functions.reserve(program.functions.size());
  for (const Function& f : program.functions) {
    LoadedFunction lf;
    lf.code = &f;
    lf.needsClosure = !f.captures.empty();
    lf.fieldCaches.resize(f.constants.size());
    std::vector<uint32_t> lengths = runLengths(f.code);
    lf.exec.reserve(f.code.size());
    for (std::size_t i = 0; i < f.code.size(); ++i) {
      lf.exec.push_back(static_cast<ExecWord>(lengths[i]) << 32 | f.code[i]);
    }
    for (const Constant& c : f.constants) {
      lf.methods.push_back(c.kind == ConstantKind::String ? findMethod(c.stringValue)
                                                          : MethodId::Unknown);
      switch (c.kind) {
        case ConstantKind::Int:
          lf.constants.push_back(Value::integer(c.intValue));
          break;
        case ConstantKind::Float:
          lf.constants.push_back(Value::floating(c.floatValue));
          break;
        case ConstantKind::String:
          lf.constants.push_back(Value::object(heap.intern(c.stringValue)));
          break;
      }
    }
    functions.push_back(std::move(lf));
  }
  types.clear();
  for (const TypeDecl& t : program.types) {
    RecordType rt;
    rt.name = t.name;
    rt.fields = t.fields;
    for (const std::string& field : t.fields) rt.fieldNames.push_back(heap.intern(field));
    types.push_back(std::move(rt));
  }
  globals.assign(program.globals.size(), Value::none());
  for (std::size_t i = 0; i < program.globals.size(); ++i) {
    if (program.globals[i].function >= 0) {
      globals[i] = Value::function(static_cast<uint32_t>(program.globals[i].function));
    }
  }
  return std::nullopt;
}

void VM::start(std::vector<std::string> programArgs) {
  args = std::move(programArgs);
  const Function& entry = program.functions[program.entry];
  stack[0] = Value::function(program.entry);
  Value* base = stack + 1;
  for (uint32_t i = 0; i < entry.numLocals; ++i) base[i] = Value::none();
  sp = base + entry.numLocals;
  frames[0] = Frame{program.entry, functions[program.entry].exec.data(), base, nullptr};
  frameCount = 1;
}

void VM::markRoots(Heap& h) {
  for (Value* slot = stack; slot < sp; ++slot) h.markValue(*slot);
  for (uint32_t i = 0; i < frameCount; ++i) h.markObject(frames[i].closure);
  for (Value v : globals) h.markValue(v);
  for (Upvalue* u = openUpvalues; u != nullptr; u = u->nextOpen) h.markObject(u);
  for (Value v : tempRoots) h.markValue(v);
  h.markValue(memoryError);
}

Upvalue* VM::captureUpvalue(Value* slot) {
  Upvalue** link = &openUpvalues;
  while (*link != nullptr && (*link)->location > slot) link = &(*link)->nextOpen;
  if (*link != nullptr && (*link)->location == slot) return *link;
  Upvalue* created = heap.newUpvalue(slot);
  // The allocation may have collected, but the open list only loses unmarked
  // upvalues, and every open upvalue is a root: `link` is still valid.
  created->nextOpen = *link;
  *link = created;
  return created;
}

void VM::closeUpvalues(Value* fromSlot) {
  while (openUpvalues != nullptr && openUpvalues->location >= fromSlot) {
    Upvalue* u = openUpvalues;
    u->closed = *u->location;
    u->location = &u->closed;
    openUpvalues = u->nextOpen;
  }
}

Value VM::makeError(std::string_view kind, std::string_view message) {
  Record* error = heap.newRecord(&errorType);
  tempRoots.push_back(Value::object(error));
  Value kindValue = Value::object(heap.newString(kind));
  error->fields()[0] = kindValue;
  Value messageValue = Value::object(heap.newString(message));
  error->fields()[1] = messageValue;
  tempRoots.pop_back();
  return Value::object(error);
}

std::string VM::functionName(Value callable) const {
  switch (callable.type) {
    case ValueType::Function:
      return program.functions[callable.as.index].name;
    case ValueType::Native:
      return std::string(kBuiltinInfo[callable.as.index].name);
    case ValueType::Object:
      if (callable.as.obj->kind == ObjKind::Closure) {
        return program.functions[asClosure(callable)->function].name;
      }
      return "?";
    default:
      return "?";
  }
}

uint32_t VM::currentLine(const Frame& frame) const {
  const Function& f = program.functions[frame.function];
  auto offset = static_cast<uint32_t>(frame.ip - functions[frame.function].exec.data());
  // frame.ip is the next instruction; the one running (or the call) precedes it.
  return f.lineAt(offset > 0 ? offset - 1 : 0);
}

std::string VM::stackTrace() const {
  // Each frame gives one line, innermost first. A run of identical lines (deep
  // recursion) prints kRepeatsShown times and then a count, as Python does;
  // past kTraceHead + kTraceTail printed lines the middle is left out, so a
  // trace stays short whatever the depth or shape of the recursion.
  constexpr uint32_t kRepeatsShown = 3;
  constexpr std::size_t kTraceHead = 50, kTraceTail = 50;
  std::vector<std::string> lines;
  std::string previous;
  uint32_t repeats = 0;
  auto endRun = [&] {
    if (repeats > kRepeatsShown) {
      lines.push_back(
          fmt::format("  [previous line repeated {} more times]", repeats - kRepeatsShown));
    }
  };
  for (uint32_t i = frameCount; i-- > 0;) {
    const Frame& frame = frames[i];
    const Function& f = program.functions[frame.function];
    std::string line = frame.function >= userFunctionCount
                           ? fmt::format("  at {} (built-in)", f.name)
                           : fmt::format("  at {} ({}:{})", f.name,
                                         f.sourceFile.empty() ? program.sourceFile : f.sourceFile,
                                         currentLine(frame));
    if (line == previous) {
      if (++repeats <= kRepeatsShown) lines.push_back(line);
      continue;
    }
    endRun();
    lines.push_back(line);
    previous = std::move(line);
    repeats = 1;
  }
  endRun();
  std::string trace;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines.size() > kTraceHead + kTraceTail && i == kTraceHead) {
      trace += fmt::format("  [{} more lines]\n", lines.size() - kTraceHead - kTraceTail);
      i = lines.size() - kTraceTail;
    }
    trace += lines[i];
    trace += '\n';
  }
  return trace;
}

void VM::flushOutput() {
  if (outputSink != nullptr) {
    *outputSink += output;
    output.clear();
    return;
  }
  std::size_t written = 0;
  while (written < output.size()) {
    ssize_t n = ::write(STDOUT_FILENO, output.data() + written, output.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // stdout is gone (closed pipe); nothing more can be delivered
    }
    written += static_cast<std::size_t>(n);
  }
  output.clear();
}

}  // namespace shapevm
