// The disassembler: Program -> .sasm text that assembles back to functions
// with the same content hashes (docs/assembly.md, "Round trip").
//
// What makes the round trip exact:
// - Jump targets become labels `L<offset>` placed before the target instruction.
// - Constants are printed as literals (syntax.h guarantees they read back bit
//   for bit). The assembler pools literals in order of first use, so when that
//   order reproduces the function's pool the pool is left implicit; otherwise
//   (unused, duplicate or reordered entries) the whole pool is printed first as
//   `.const` lines, and a use of a duplicate entry is written `#N`.
// - `stack=N` is printed only when N differs from what computeMaxStack gives.
// The input is normally verified; an unverified program must not crash it, so
// every index is bounds-checked (an out-of-range one prints as `?N`).
#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

#include "asm/assembler.h"
#include "asm/syntax.h"
#include "bytecode/builtin_names.h"
#include "bytecode/verifier.h"

namespace shapevm {

namespace {

using assembly::constantKey;
using assembly::formatConstant;
using assembly::formatName;

bool isKnownOp(Instr word) { return (word & 0xff) < kOpCount; }

// Calls `visit(offset, word, second)` for every whole instruction of `code`
// (an unknown opcode counts as one word).
template <typename Visit>
void forEachInstruction(const std::vector<Instr>& code, Visit visit) {
  std::size_t offset = 0;
  while (offset < code.size()) {
    Instr word = code[offset];
    bool twoWord = isKnownOp(word) && instrWords(instrOp(word)) == 2;
    if (twoWord && offset + 1 >= code.size()) return;
    visit(static_cast<uint32_t>(offset), word, twoWord ? code[offset + 1] : 0);
    offset += twoWord ? 2 : 1;
  }
}

template <typename T>
std::string nameAt(const std::vector<T>& table, uint32_t index) {
  return index < table.size() ? formatName(table[index].name) : fmt::format("?{}", index);
}

class FunctionPrinter {
 public:
  FunctionPrinter(const Program& program, const Function& function)
      : program_(program), function_(function) {}

  void print(std::string& out) {
    out += fmt::format(".function {} arity={} locals={}", formatName(function_.name),
                       function_.arity, function_.numLocals);
    Result<uint32_t> computed = computeMaxStack(program_, function_, program_.sourceFile);
    if (!computed || computed.value() != function_.maxStack) {
      out += fmt::format(" stack={}", function_.maxStack);
    }
    if (function_.hash != FunctionHash{}) out += fmt::format("  ; hash {}", function_.hash.hex());
    out += '\n';
    for (const Capture& capture : function_.captures) {
      out += fmt::format(".capture {} {}", capture.fromLocal ? "local" : "upval", capture.index);
      if (!capture.name.empty()) out += " " + formatName(capture.name);
      out += '\n';
    }
    indexPool();
    if (!poolIsImplicit()) {
      for (const Constant& constant : function_.constants) {
        out += ".const " + formatConstant(constant, false) + "\n";
      }
    }
    printCode(out);
    out += ".end\n";
  }

 private:
  const Program& program_;
  const Function& function_;
  std::vector<uint32_t> firstEqual_;  // per pool entry: index of the first equal entry

  void indexPool() {
    std::unordered_map<std::string, uint32_t> first;
    for (std::size_t i = 0; i < function_.constants.size(); ++i) {
      auto [it, added] =
          first.emplace(constantKey(function_.constants[i]), static_cast<uint32_t>(i));
      firstEqual_.push_back(it->second);
    }
  }

  // True when assembling the literals in code order rebuilds the pool exactly.
  bool poolIsImplicit() const {
    std::vector<uint32_t> order;  // pool indices in order of first use
    std::unordered_set<uint32_t> seen;
    forEachInstruction(function_.code, [&](uint32_t, Instr word, Instr second) {
      if (!isKnownOp(word)) return;
      Operand kind = opInfo(instrOp(word)).operand;
      uint32_t index;
      if (kind == Operand::Const || kind == Operand::ConstJump) {
        index = instrA(word);
      } else if (kind == Operand::Method) {
        index = second;
      } else if (kind == Operand::LocalConst || kind == Operand::LocalConstJump ||
                 kind == Operand::LocalConstStore) {
        index = secondField(instrA(word));
      } else {
        return;
      }
      if (index < function_.constants.size() && seen.insert(firstEqual_[index]).second) {
        order.push_back(firstEqual_[index]);
      }
    });
    if (order.size() != function_.constants.size()) return false;
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (order[i] != i) return false;
    }
    return true;
  }

  std::string constantRef(uint32_t index, bool bareIdentifiers) const {
    if (index >= function_.constants.size() || firstEqual_[index] != index) {
      return fmt::format("#{}", index);
    }
    return formatConstant(function_.constants[index], bareIdentifiers);
  }

  std::string operands(Op op, Instr word, Instr second) const {
    uint32_t a = instrA(word);
    switch (opInfo(op).operand) {
      case Operand::None:
        return {};
      case Operand::Const:
        return constantRef(a, op != Op::Const);
      case Operand::Int:
        return std::to_string(instrSignedA(word));
      case Operand::Local:
      case Operand::Upval:
      case Operand::Count:
        return std::to_string(a);
      case Operand::Global:
        return nameAt(program_.globals, a);
      case Operand::Func:
        return nameAt(program_.functions, a);
      case Operand::Type:
        return nameAt(program_.types, a);
      case Operand::Builtin:
        return a < kBuiltinCount ? formatName(kBuiltinInfo[a].name) : fmt::format("?{}", a);
      case Operand::Jump:
        return fmt::format("L{}", a);
      case Operand::Method:
        return fmt::format("{} {}", constantRef(second, true), a);
      case Operand::Iter:
        return fmt::format("{} L{}", a, second);
      case Operand::LocalPair:
        return fmt::format("{} {}", firstField(a), secondField(a));
      case Operand::LocalConst:
        return fmt::format("{} {}", firstField(a),
                           constantRef(secondField(a), op == Op::GetFieldL || op == Op::SetFieldL));
      case Operand::LocalPairJump:
        return fmt::format("{} {} L{}", firstField(a), secondField(a), second);
      case Operand::LocalConstJump:
        return fmt::format("{} {} L{}", firstField(a), constantRef(secondField(a), false), second);
      case Operand::LocalPairStore:
        return fmt::format("{} {} {}", firstField(a), secondField(a), second);
      case Operand::LocalConstStore:
        return fmt::format("{} {} {}", firstField(a), constantRef(secondField(a), false), second);
      case Operand::ConstJump:
        return fmt::format("{} L{}", constantRef(a, false), second);
    }
    return {};
  }

  void printCode(std::string& out) const {
    std::unordered_set<uint32_t> labels;
    forEachInstruction(function_.code, [&](uint32_t, Instr word, Instr second) {
      if (!isKnownOp(word)) return;
      Operand kind = opInfo(instrOp(word)).operand;
      if (kind == Operand::Jump) labels.insert(instrA(word));
      if (hasTargetInB(kind)) labels.insert(second);
    });
    std::size_t nextLine = 0;
    forEachInstruction(function_.code, [&](uint32_t offset, Instr word, Instr second) {
      if (labels.contains(offset)) out += fmt::format("L{}:\n", offset);
      // Entries before this offset that did not land on an instruction are skipped.
      std::optional<uint32_t> line;
      while (nextLine < function_.lines.size() && function_.lines[nextLine].offset <= offset) {
        if (function_.lines[nextLine].offset == offset) line = function_.lines[nextLine].line;
        ++nextLine;
      }
      if (line) out += fmt::format(".line {}\n", *line);
      if (!isKnownOp(word)) {
        out += fmt::format("    ?{}  ; invalid opcode\n", word & 0xff);
        return;
      }
      Op op = instrOp(word);
      std::string text = operands(op, word, second);
      out += fmt::format("    {}{}{}\n", opInfo(op).mnemonic, text.empty() ? "" : " ", text);
    });
  }
};

}  // namespace

std::string disassemble(const Program& program) {
  std::string out = "; shapevm assembly: `shapevm asm` reads this back (docs/assembly.md)\n";
  if (!program.sourceFile.empty()) {
    out += ".source " + assembly::quoteString(program.sourceFile) + "\n";
  }
  for (const TypeDecl& type : program.types) {
    out += ".type " + formatName(type.name);
    for (const std::string& field : type.fields) out += " " + formatName(field);
    out += '\n';
  }
  for (const GlobalDecl& global : program.globals) {
    out += ".global " + formatName(global.name);
    if (global.function >= 0) {
      out += " = " + nameAt(program.functions, static_cast<uint32_t>(global.function));
    }
    out += '\n';
  }
  if (program.entry < program.functions.size()) {
    out += ".entry " + formatName(program.functions[program.entry].name) + "\n";
  }
  for (const Function& function : program.functions) {
    out += '\n';
    FunctionPrinter(program, function).print(out);
  }
  return out;
}

}  // namespace shapevm
