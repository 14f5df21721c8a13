// The verifier (see verifier.h and docs/bytecode.md, "What the verifier
// guarantees"). The interpreter indexes tables, locals, upvalues and the stack
// by operands without checking them (interpreter.cpp rule 5), so everything it
// relies on is proven here:
//  1. Every word that starts an instruction holds a known opcode (not one the
//     VM alone writes into running code), a two-word instruction is not cut
//     off by the end of the code, and an operand that an instruction does not
//     use is 0 (so the encoding is canonical).
//  2. Every operand is in range for its kind: constants (the name constant of
//     get_field/set_field/call_method and raise_error's text are strings),
//     locals (for_iter uses slots A and A+1), upvalues, globals, functions,
//     record types, built-ins.
//  3. Every jump, handler and for_iter exit lands on an instruction start
//     inside the function, and no path runs off the end of the code.
//  4. Stack depth (above the locals) is the same on every path into an
//     instruction, never goes below what an instruction pops, and never above
//     maxStack. A try handler starts one deeper than its try (the raised
//     value); a for_iter exit starts at the for_iter's depth.
//     The tries active at an instruction are the same on every path into it,
//     and no instruction but return takes the stack below the depth the
//     innermost of them recorded: its handler resets the stack to that
//     depth, so anything popped below it (and perhaps collected) would be an
//     operand again.
//  5. A closure instruction creates a function whose captures exist in the
//     creating frame (local slots, or the creator's own upvalues). The entry
//     function runs without a closure, so it has arity 0 and no upvalues to
//     use (its declared captures, if any, are never bound).
//  6. Header: names of functions, globals and types (and a type's fields) are
//     unique and valid UTF-8, global bindings name functions, a type's field
//     defaults name its fields in increasing order, line tables are
//     sorted and in range, a function has at most kMaxLocals locals, and every
//     frame fits the VM stack.
// The analysis is a worklist over instruction starts (no recursion); every
// allocation is proportional to the in-memory code, never to a claimed size.
#include "bytecode/verifier.h"

#include <fmt/format.h>

#include <map>
#include <string_view>
#include <unordered_set>

#include "bytecode/builtin_names.h"
#include "bytecode/instruction_flow.h"
#include "bytecode/utf8_names.h"
#include "core/config.h"

namespace shapevm {

namespace {

// One frame (locals plus operand stack) must fit in the VM stack with room for
// the callee slot below it and the interpreter's slack above it.
constexpr uint64_t kMaxFrameSlots = kMaxStackSlots - kFrameReserve;
constexpr int64_t kUnknownDepth = -1;

// What a function's captures need from the frame that creates it as a closure.
struct CaptureNeeds {
  uint64_t locals = 0;    // the creator must have more locals than the largest captured slot
  uint64_t upvalues = 0;  // the creator must have more upvalues than the largest captured one
};

CaptureNeeds captureNeedsOf(const Function& function) {
  CaptureNeeds needs;
  for (const Capture& capture : function.captures) {
    uint64_t& need = capture.fromLocal ? needs.locals : needs.upvalues;
    need = std::max<uint64_t>(need, uint64_t{capture.index} + 1);
  }
  return needs;
}

class FunctionChecker {
 public:
  // `stackLimit` is the depth that must not be exceeded (maxStack when
  // verifying); `captureNeeds`, when given, holds captureNeedsOf() of every
  // function so closure instructions can be checked.
  FunctionChecker(const Program& program, const Function& function, const std::string& fileName,
                  uint64_t stackLimit, const std::vector<CaptureNeeds>* captureNeeds)
      : program_(program),
        function_(function),
        code_(function.code),
        fileName_(fileName),
        stackLimit_(stackLimit),
        captureNeeds_(captureNeeds),
        upvalueCount_(isEntry(program, function) ? 0 : function.captures.size()) {}

  // The deepest stack any path reaches, or the first problem.
  Result<uint32_t> run() {
    if (auto problem = decode()) return *problem;
    for (std::size_t offset = 0; offset < code_.size();
         offset += instrWords(instrOp(code_[offset]))) {
      if (auto problem = checkOperands(static_cast<uint32_t>(offset))) return *problem;
    }
    return flow();
  }

  // After run(): the depth on entry to each word, kUnknownDepth where no
  // instruction starts or none is reached.
  const std::vector<int64_t>& depths() const { return depthAt_; }

 private:
  Diagnostic fail(int64_t offset, std::string message) const {
    Diagnostic d = Diagnostic::inFile(fileName_, std::move(message));
    d.function = function_.name;
    d.offset = offset;
    return d;
  }

  static bool isEntry(const Program& program, const Function& function) {
    return program.entry < program.functions.size() &&
           &program.functions[program.entry] == &function;
  }

  const char* mnemonic(uint32_t offset) const { return opInfo(instrOp(code_[offset])).mnemonic; }

  // Rule 1: marks instruction starts.
  std::optional<Diagnostic> decode() {
    if (code_.empty()) return fail(0, "the function has no code (it would run off the end)");
    isStart_.assign(code_.size(), 0);
    for (std::size_t offset = 0; offset < code_.size();) {
      Instr word = code_[offset];
      if ((word & 0xff) >= kOpCount) {
        return fail(static_cast<int64_t>(offset), fmt::format("invalid opcode {}", word & 0xff));
      }
      Op op = instrOp(word);
      if (opInfo(op).flags & kVmOnly) {
        return fail(static_cast<int64_t>(offset),
                    fmt::format("'{}' is written only by the VM into the code it runs",
                                opInfo(op).mnemonic));
      }
      if (opInfo(op).operand == Operand::None && instrA(word) != 0) {
        return fail(static_cast<int64_t>(offset), fmt::format("'{}' takes no operand but has {}",
                                                              opInfo(op).mnemonic, instrA(word)));
      }
      if (offset + instrWords(op) > code_.size()) {
        return fail(static_cast<int64_t>(offset),
                    fmt::format("'{}' is cut off by the end of the code", opInfo(op).mnemonic));
      }
      isStart_[offset] = 1;
      offset += instrWords(op);
    }
    return std::nullopt;
  }

  std::optional<Diagnostic> checkTarget(uint32_t offset, uint32_t target, const char* what) const {
    if (target >= code_.size()) {
      return fail(offset, fmt::format("'{}' {} {} is outside the function (code has {} words)",
                                      mnemonic(offset), what, target, code_.size()));
    }
    if (!isStart_[target]) {
      return fail(offset, fmt::format("'{}' {} {} is inside an instruction", mnemonic(offset), what,
                                      target));
    }
    return std::nullopt;
  }

  std::optional<Diagnostic> checkIndex(uint32_t offset, uint64_t index, std::size_t size,
                                       const char* what) const {
    if (index < size) return std::nullopt;
    return fail(offset, fmt::format("'{}' refers to {} {}, but there are {}", mnemonic(offset),
                                    what, index, size));
  }

  std::optional<Diagnostic> checkNameConstant(uint32_t offset, uint32_t index) const {
    if (auto problem = checkIndex(offset, index, function_.constants.size(), "constant")) {
      return problem;
    }
    if (function_.constants[index].kind != ConstantKind::String) {
      return fail(offset, fmt::format("'{}' needs a string constant as its name, but constant {} "
                                      "is not a string",
                                      mnemonic(offset), index));
    }
    return std::nullopt;
  }

  // Rules 2, 3 (targets) and 5 for the instruction at `offset`.
  std::optional<Diagnostic> checkOperands(uint32_t offset) const {
    Instr word = code_[offset];
    Op op = instrOp(word);
    uint32_t a = instrA(word);
    switch (opInfo(op).operand) {
      case Operand::None:
      case Operand::Int:
      case Operand::Count:  // bounded by the stack analysis (it pops what it counts)
        return std::nullopt;
      case Operand::Const:
        if (op == Op::GetField || op == Op::SetField || op == Op::HasField ||
            op == Op::RaiseError) {
          return checkNameConstant(offset, a);
        }
        return checkIndex(offset, a, function_.constants.size(), "constant");
      case Operand::Local:
        return checkIndex(offset, a, function_.numLocals, "local");
      case Operand::Upval:
        return checkIndex(offset, a, upvalueCount_, "upvalue");
      case Operand::Global:
        return checkIndex(offset, a, program_.globals.size(), "global");
      case Operand::Type:
        return checkIndex(offset, a, program_.types.size(), "record type");
      case Operand::Builtin:
        return checkIndex(offset, a, kBuiltinCount, "built-in");
      case Operand::Func:
        if (auto problem = checkIndex(offset, a, program_.functions.size(), "function")) {
          return problem;
        }
        return checkClosureCaptures(offset, a);
      case Operand::Jump:
        return checkTarget(offset, a, op == Op::TryBegin ? "handler" : "target");
      case Operand::Method:
        return checkNameConstant(offset, code_[offset + 1]);
      case Operand::ConstJump:
        if (auto problem = checkIndex(offset, a, function_.constants.size(), "constant")) {
          return problem;
        }
        return checkTarget(offset, code_[offset + 1], "target");
      case Operand::Iter:
        // The iteration state is two slots: the collection and the position.
        if (auto problem = checkIndex(offset, uint64_t{a} + 1, function_.numLocals, "local")) {
          return problem;
        }
        return checkTarget(offset, code_[offset + 1], "exit");
      case Operand::LocalPair:
      case Operand::LocalPairJump:
      case Operand::LocalPairStore:
      case Operand::LocalConst:
      case Operand::LocalConstJump:
      case Operand::LocalConstStore:
        if (auto problem = checkPackedOperands(offset, opInfo(op).operand, a)) return problem;
        if (op == Op::GetFieldL || op == Op::SetFieldL) {
          return checkNameConstant(offset, secondField(a));
        }
        return std::nullopt;
    }
    return std::nullopt;
  }

  // The register-style formats: local x, then local or constant y in A;
  // B (if any) is a branch target or the local the result goes to.
  std::optional<Diagnostic> checkPackedOperands(uint32_t offset, Operand kind, uint32_t a) const {
    if (auto problem = checkIndex(offset, firstField(a), function_.numLocals, "local")) {
      return problem;
    }
    bool constantY = kind == Operand::LocalConst || kind == Operand::LocalConstJump ||
                     kind == Operand::LocalConstStore;
    std::optional<Diagnostic> problem =
        constantY ? checkIndex(offset, secondField(a), function_.constants.size(), "constant")
                  : checkIndex(offset, secondField(a), function_.numLocals, "local");
    if (problem) return problem;
    if (hasTargetInB(kind)) return checkTarget(offset, code_[offset + 1], "target");
    if (kind == Operand::LocalPairStore || kind == Operand::LocalConstStore) {
      return checkIndex(offset, code_[offset + 1], function_.numLocals, "local");
    }
    return std::nullopt;
  }

  std::optional<Diagnostic> checkClosureCaptures(uint32_t offset, uint32_t created) const {
    if (captureNeeds_ == nullptr) return std::nullopt;
    const CaptureNeeds& needs = (*captureNeeds_)[created];
    const std::string& name = program_.functions[created].name;
    if (needs.locals > function_.numLocals) {
      return fail(offset, fmt::format("closure '{}' captures local {}, but this function has {} "
                                      "locals",
                                      name, needs.locals - 1, function_.numLocals));
    }
    if (needs.upvalues > upvalueCount_) {
      return fail(offset, fmt::format("closure '{}' captures upvalue {}, but this function has {} "
                                      "upvalues",
                                      name, needs.upvalues - 1, upvalueCount_));
    }
    return std::nullopt;
  }

  // The try at `offset` (recording `depth`) opened inside the tries `outer`.
  int32_t tryInside(int32_t outer, uint32_t offset, int64_t depth) {
    auto [it, added] = tryIds_.try_emplace({outer, offset}, static_cast<int32_t>(tries_.size()));
    if (added) tries_.push_back(ActiveTry{outer, offset, depth});
    return it->second;
  }

  std::string describeTries(int32_t tries) const {
    if (tries == kNoTry) return "no try active";
    return fmt::format("the try at offset {} innermost", tries_[tries].offset);
  }

  // Records that control reaches `target` with `depth` and the tries
  // `tries` active, from `from`.
  std::optional<Diagnostic> reach(uint32_t from, uint64_t target, int64_t depth, int32_t tries) {
    if (target >= code_.size()) {
      return fail(from, fmt::format("'{}' runs off the end of the function", mnemonic(from)));
    }
    if (static_cast<uint64_t>(depth) > stackLimit_) {
      return fail(
          static_cast<int64_t>(target),
          fmt::format("stack depth {} exceeds the function's maximum of {}", depth, stackLimit_));
    }
    int64_t& known = depthAt_[target];
    if (known == kUnknownDepth) {
      known = depth;
      triesAt_[target] = tries;
      maxDepth_ = std::max(maxDepth_, depth);
      worklist_.push_back(static_cast<uint32_t>(target));
    } else if (known != depth) {
      return fail(
          static_cast<int64_t>(target),
          fmt::format("stack depth is {} on one path here but {} on the path from offset {}", known,
                      depth, from));
    } else if (triesAt_[target] != tries) {
      return fail(static_cast<int64_t>(target),
                  fmt::format("the active try blocks differ between paths here: {} on one, {} on "
                              "the path from offset {}",
                              describeTries(triesAt_[target]), describeTries(tries), from));
    }
    return std::nullopt;
  }

  // Rule 4 (and the "off the end" half of rule 3) over reachable code.
  Result<uint32_t> flow() {
    depthAt_.assign(code_.size(), kUnknownDepth);
    triesAt_.assign(code_.size(), kNoTry);
    if (auto problem = reach(0, 0, 0, kNoTry)) return *problem;
    while (!worklist_.empty()) {
      uint32_t offset = worklist_.back();
      worklist_.pop_back();
      Op op = instrOp(code_[offset]);
      const char* name = opInfo(op).mnemonic;
      InstructionFlow flow = instructionFlow(program_, code_, offset);
      int64_t depth = depthAt_[offset];
      if (flow.pops > depth) {
        return fail(offset, fmt::format("stack underflow: '{}' pops {} but the stack holds {}",
                                        name, flow.pops, depth));
      }
      int64_t popped = depth - flow.pops;
      int32_t tries = triesAt_[offset];
      if (tries != kNoTry && op != Op::Return && popped < tries_[tries].depth) {
        return fail(offset, fmt::format("'{}' takes the stack to {}, below the depth {} of the try "
                                        "at offset {}, whose handler would bring back what was "
                                        "dropped",
                                        name, popped, tries_[tries].depth, tries_[tries].offset));
      }
      if (flow.branches) {
        // A handler runs inside the tries that were active at its try.
        if (auto problem = reach(offset, flow.target, flow.depthAtTarget(depth), tries)) {
          return *problem;
        }
      }
      int32_t triesAfter = tries;
      if (op == Op::TryBegin) {
        triesAfter = tryInside(tries, offset, depth);
      } else if (op == Op::TryEnd && tries != kNoTry) {
        triesAfter = tries_[tries].outer;
      }
      if (flow.fallsThrough) {
        if (auto problem = reach(offset, flow.next, flow.depthAfter(depth), triesAfter)) {
          return *problem;
        }
      }
    }
    return static_cast<uint32_t>(maxDepth_);
  }

  const Program& program_;
  const Function& function_;
  const std::vector<Instr>& code_;
  const std::string& fileName_;
  uint64_t stackLimit_;
  const std::vector<CaptureNeeds>* captureNeeds_;
  std::size_t upvalueCount_;  // the entry function runs without a closure: none
  std::vector<uint8_t> isStart_;
  std::vector<int64_t> depthAt_;
  // The tries active at each instruction: an index into tries_, each entry a
  // try inside the one before it, so a chain of tries is one number.
  struct ActiveTry {
    int32_t outer;
    uint32_t offset;
    int64_t depth;
  };
  static constexpr int32_t kNoTry = -1;
  std::vector<int32_t> triesAt_;
  std::vector<ActiveTry> tries_;
  std::map<std::pair<int32_t, uint32_t>, int32_t> tryIds_;
  std::vector<uint32_t> worklist_;
  int64_t maxDepth_ = 0;
};

Diagnostic headerError(const std::string& fileName, std::string message) {
  return Diagnostic::inFile(fileName, std::move(message));
}

Diagnostic functionError(const std::string& fileName, const Function& function,
                         std::string message) {
  Diagnostic d = Diagnostic::inFile(fileName, std::move(message));
  d.function = function.name;
  return d;
}

std::optional<Diagnostic> checkHeader(const Program& program, const std::string& fileName) {
  const auto& functions = program.functions;
  if (functions.empty()) return headerError(fileName, "the program has no functions");
  if (program.entry >= functions.size()) {
    return headerError(fileName, fmt::format("entry function {} does not exist ({} functions)",
                                             program.entry, functions.size()));
  }
  const Function& entry = functions[program.entry];
  if (entry.arity != 0) {
    return functionError(
        fileName, entry,
        fmt::format("the entry function must take no arguments, not {}", entry.arity));
  }
  std::unordered_set<std::string_view> names;
  for (const Function& function : functions) {
    if (!names.insert(function.name).second) {
      return headerError(fileName, fmt::format("function '{}' is defined twice", function.name));
    }
  }
  names.clear();
  for (const GlobalDecl& global : program.globals) {
    if (!names.insert(global.name).second) {
      return headerError(fileName, fmt::format("global '{}' is declared twice", global.name));
    }
    if (global.function < -1 || global.function >= static_cast<int64_t>(functions.size())) {
      return headerError(fileName, fmt::format("global '{}' is bound to function {}, which does "
                                               "not exist",
                                               global.name, global.function));
    }
  }
  names.clear();
  for (const TypeDecl& type : program.types) {
    if (!names.insert(type.name).second) {
      return headerError(fileName, fmt::format("type '{}' is declared twice", type.name));
    }
    std::unordered_set<std::string_view> fields;
    for (const std::string& field : type.fields) {
      if (!fields.insert(field).second) {
        return headerError(fileName,
                           fmt::format("type '{}' has field '{}' twice", type.name, field));
      }
    }
    int64_t previous = -1;
    for (const FieldDefault& fieldDefault : type.defaults) {
      if (fieldDefault.field >= type.fields.size()) {
        return headerError(fileName,
                           fmt::format("type '{}' has a default for field {}, but it "
                                       "has {} fields",
                                       type.name, fieldDefault.field, type.fields.size()));
      }
      if (fieldDefault.field <= previous) {
        return headerError(fileName, fmt::format("type '{}': the default of field '{}' is not in "
                                                 "field order, or repeated",
                                                 type.name, type.fields[fieldDefault.field]));
      }
      previous = fieldDefault.field;
    }
  }
  return std::nullopt;
}

std::optional<Diagnostic> checkFrameAndLines(const Function& function,
                                             const std::string& fileName) {
  if (function.arity > function.numLocals) {
    return functionError(fileName, function,
                         fmt::format("arity {} exceeds its {} locals (parameters are locals)",
                                     function.arity, function.numLocals));
  }
  if (function.numLocals > kMaxLocals) {
    return functionError(
        fileName, function,
        fmt::format("{} locals are more than the limit of {}", function.numLocals, kMaxLocals));
  }
  if (uint64_t{function.numLocals} + function.maxStack > kMaxFrameSlots) {
    return functionError(fileName, function,
                         fmt::format("{} locals and {} stack slots do not fit the VM stack ({})",
                                     function.numLocals, function.maxStack, kMaxFrameSlots));
  }
  for (std::size_t i = 0; i < function.lines.size(); ++i) {
    const LineEntry& entry = function.lines[i];
    if (entry.offset >= function.code.size()) {
      return functionError(
          fileName, function,
          fmt::format("line table entry {} points at offset {}, past the code", i, entry.offset));
    }
    if (i > 0 && entry.offset <= function.lines[i - 1].offset) {
      return functionError(fileName, function,
                           fmt::format("line table entry {} (offset {}) is not after the one "
                                       "before it",
                                       i, entry.offset));
    }
  }
  return std::nullopt;
}

// Debug information (docs/bytecode.md, "Debug information"): statements in
// the code and nested in their parents, siblings in order without overlap;
// locals in the frame with ranges in the code. Relocation and `inspect` rely
// on no more than this, and check against the code what they use.
std::optional<Diagnostic> checkDebugInfo(const Function& function, const std::string& fileName) {
  const auto codeSize = static_cast<uint32_t>(function.code.size());
  // Where instructions start (the code is decoded and checked by now).
  std::vector<bool> starts(codeSize + 1, false);
  for (uint32_t offset = 0; offset < codeSize;
       offset += instrWords(instrOp(function.code[offset]))) {
    starts[offset] = true;
  }
  starts[codeSize] = true;
  const std::vector<StatementInfo>& statements = function.statements;
  // Per statement (and at index 0 the body): where its last child ended.
  std::vector<uint32_t> childrenEnd(statements.size() + 1, 0);
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const StatementInfo& s = statements[i];
    auto problem = [&](std::string_view what) {
      return functionError(fileName, function,
                           fmt::format("statement {} (offsets {} to {}, parent {}) {}", i, s.start,
                                       s.end, s.parent, what));
    };
    if (s.start >= s.end || s.end > codeSize) return problem("is not a range inside the code");
    if (!starts[s.start] || !starts[s.end])
      return problem("does not begin and end at instructions");
    if (s.parent < -1 || s.parent >= static_cast<int64_t>(i)) {
      return problem("does not come after its parent");
    }
    if (s.parent >= 0) {
      const StatementInfo& parent = statements[static_cast<std::size_t>(s.parent)];
      if (s.start < parent.start || s.end > parent.end) return problem("is not inside its parent");
    }
    uint32_t& siblingsEnd = childrenEnd[static_cast<std::size_t>(s.parent + 1)];
    if (s.start < siblingsEnd) return problem("overlaps the statement before it");
    siblingsEnd = s.end;
  }
  for (const LocalInfo& local : function.locals) {
    if (local.slot >= function.numLocals || local.start > local.end || local.end > codeSize ||
        !starts[local.start] || !starts[local.end]) {
      return functionError(fileName, function,
                           fmt::format("local variable '{}' (slot {}, offsets {} to {}) is not "
                                       "inside the frame and the code's instructions",
                                       local.name, local.slot, local.start, local.end));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Diagnostic> verifyProgram(const Program& program, const std::string& fileName) {
  if (auto problem = checkHeader(program, fileName)) return problem;
  if (auto problem = checkNamesAreUtf8(program, fileName)) return problem;
  std::vector<CaptureNeeds> captureNeeds;
  captureNeeds.reserve(program.functions.size());
  for (const Function& function : program.functions) {
    captureNeeds.push_back(captureNeedsOf(function));
  }
  for (const Function& function : program.functions) {
    if (auto problem = checkFrameAndLines(function, fileName)) return problem;
    FunctionChecker checker(program, function, fileName, function.maxStack, &captureNeeds);
    Result<uint32_t> depth = checker.run();
    if (!depth) return depth.error();
    if (auto problem = checkDebugInfo(function, fileName)) return problem;
  }
  return std::nullopt;
}

Result<uint32_t> computeMaxStack(const Program& program, const Function& function,
                                 const std::string& fileName) {
  return FunctionChecker(program, function, fileName, kMaxFrameSlots, nullptr).run();
}

Result<std::vector<int32_t>> stackDepths(const Program& program, uint32_t function) {
  const Function& code = program.functions[function];
  FunctionChecker checker(program, code, program.sourceFile, code.maxStack, nullptr);
  Result<uint32_t> maxDepth = checker.run();
  if (!maxDepth) return maxDepth.error();
  std::vector<int32_t> depths(code.code.size(), kNoStackDepth);
  for (std::size_t offset = 0; offset < depths.size(); ++offset) {
    if (checker.depths()[offset] != kUnknownDepth) {
      depths[offset] = static_cast<int32_t>(checker.depths()[offset]);
    }
  }
  return depths;
}

}  // namespace shapevm
