// The assembler: .sasm text -> verified, hashed Program (docs/assembly.md).
//
// It reads the text one line at a time into a BytecodeBuilder, which patches a
// reference to a label when the label is defined (one never defined is
// reported at the function's `.end`); references to functions, globals and
// types are patched once the whole file is read, so every name may be used
// before it is declared. Then maxStack is computed where `stack=` was not
// given, the program is verified, and the functions are hashed.
//
// Invariants: the assembler never trusts its input: every number is range
// checked before it is stored in a 24-bit operand, and every problem (lexical,
// syntactic, unresolved name, or found by the verifier) is returned as a
// Diagnostic pointing at the line and column of the offending text.
#include "asm/assembler.h"

#include <fmt/format.h>

#include <optional>
#include <unordered_map>

#include "asm/syntax.h"
#include "bytecode/builtin_names.h"
#include "bytecode/bytecode_builder.h"
#include "bytecode/function_hash.h"
#include "bytecode/verifier.h"

namespace shapevm {

namespace {

// The opcode of a mnemonic, through a table built on first use: the VM
// assembles its prelude at every start, where scanning the opcode table for
// each instruction was more than half of what a small program executes.
std::optional<Op> opcodeNamed(std::string_view mnemonic) {
  static const std::unordered_map<std::string_view, Op> kByMnemonic = [] {
    std::unordered_map<std::string_view, Op> byMnemonic;
    for (uint32_t i = 0; i < kOpCount; ++i) byMnemonic.emplace(kOpInfo[i].mnemonic, Op(i));
    return byMnemonic;
  }();
  auto found = kByMnemonic.find(mnemonic);
  if (found == kByMnemonic.end()) return std::nullopt;
  return found->second;
}

using assembly::ConstantWord;
using assembly::LexError;
using assembly::Token;
using assembly::TokenKind;

struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
};

constexpr int32_t kMinImmediate = -(1 << 23);
constexpr int32_t kMaxImmediate = (1 << 23) - 1;
// Room for the largest instruction while every offset still fits operand A.
constexpr std::size_t kMaxCodeWords = kMaxOperandA - 1;

// A function, global or type named by an operand, patched after the whole file
// is read (operand A of the word at `word` in function `function`).
struct NameUse {
  Operand kind;
  uint32_t function;
  uint32_t word;
  std::string name;
  SourcePos pos;
};

// `.global NAME = FUNCTION`, resolved after the whole file is read.
struct GlobalBinding {
  uint32_t global;
  std::string function;
  SourcePos pos;
};

struct LabelUse {  // checked at .end: the label must be defined
  std::string name;
  SourcePos pos;
};

struct IndexUse {  // an explicit pool index ('#N'), checked at .end
  uint32_t index;
  SourcePos pos;
};

struct FunctionState {
  SourcePos pos;  // of the .function directive
  bool stackGiven = false;
  std::unordered_map<std::string, BytecodeBuilder::Label> labels;
  std::unordered_map<std::string, SourcePos> labelPositions;
  std::vector<LabelUse> labelUses;
  std::vector<IndexUse> indexUses;
  std::unordered_map<std::string, uint32_t> constantIndex;  // constantKey -> first pool index
  std::optional<uint32_t> pendingLine;  // from `.line`, for the next instruction
  std::optional<std::pair<std::string, SourcePos>> trailingLabel;  // not yet followed by code
};

// Reads the operands of one line left to right.
struct Cursor {
  const std::vector<Token>& tokens;
  std::size_t next;
  uint32_t line;
  uint32_t endColumn;  // just past the line's last byte, for "missing ..." errors

  bool atEnd() const { return next >= tokens.size(); }
  const Token& peek() const { return tokens[next]; }
  SourcePos pos() const { return {line, atEnd() ? endColumn : tokens[next].column}; }
};

class Assembler {
 public:
  Assembler(std::string_view text, const std::string& fileName) : text_(text), file_(fileName) {}

  Result<Program> run() {
    program_.sourceFile = file_;
    if (!readLines() || !resolveNames() || !finishProgram()) return *error_;
    return std::move(program_);
  }

 private:
  std::string_view text_;
  const std::string& file_;
  Program program_;
  std::optional<Diagnostic> error_;
  uint32_t lineCount_ = 0;

  std::unordered_map<std::string, uint32_t> functionIndex_, globalIndex_, typeIndex_;
  std::vector<NameUse> nameUses_;
  std::vector<GlobalBinding> bindings_;
  std::optional<std::pair<std::string, SourcePos>> entry_;
  std::vector<std::vector<SourcePos>> positions_;  // per function, per code word
  std::vector<SourcePos> functionPositions_;       // per function: its .function name
  std::vector<bool> stackGiven_;                   // per function

  std::optional<FunctionState> current_;    // the function being read, if any
  std::optional<BytecodeBuilder> code_;     // builds its code
  std::optional<std::string> branchLabel_;  // the label the instruction being read names

  // ---- errors ----

  bool fail(SourcePos pos, std::string message) {
    Diagnostic d;
    d.file = file_;
    d.message = std::move(message);
    d.line = pos.line;
    d.column = pos.column;
    d.sourceExcerpt = excerpt(pos);
    error_ = std::move(d);
    return false;
  }

  // The source line at `pos` (a window of it if long) with a caret under the column.
  std::string excerpt(SourcePos pos) const {
    if (pos.line == 0) return {};
    std::size_t start = 0;
    for (uint32_t line = 1; line < pos.line; ++line) {
      start = text_.find('\n', start);
      if (start == std::string_view::npos) return {};
      ++start;
    }
    std::size_t end = text_.find('\n', start);
    std::string_view line = text_.substr(start, end == std::string_view::npos ? end : end - start);
    constexpr std::size_t kWindow = 120;
    std::size_t column = pos.column > 0 ? pos.column - 1 : 0;
    std::size_t from = column > kWindow / 2 ? column - kWindow / 2 : 0;
    line = line.substr(std::min(from, line.size()), kWindow);
    std::string shown, caret;
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      shown += c == '\t' || (c >= 0x20 && c != 0x7f) ? static_cast<char>(c) : '?';
      if (from + i < column) caret += c == '\t' ? '\t' : ' ';
    }
    if (column > from + line.size()) caret.append(column - from - line.size(), ' ');
    return "  " + shown + "\n  " + caret + "^";
  }

  // Positions a verifier diagnostic at the instruction it names, or at the
  // function's .function line when it names no instruction.
  Diagnostic locate(Diagnostic d) const {
    d.file = file_;
    auto it = functionIndex_.find(d.function);
    if (it == functionIndex_.end()) return d;
    SourcePos pos = functionPositions_[it->second];
    const std::vector<SourcePos>& words = positions_[it->second];
    if (d.offset >= 0 && static_cast<uint64_t>(d.offset) < words.size()) {
      pos = words[static_cast<std::size_t>(d.offset)];
    }
    d.line = pos.line;
    d.column = pos.column;
    d.sourceExcerpt = excerpt(pos);
    return d;
  }

  // ---- reading ----

  bool readLines() {
    std::vector<Token> tokens;
    std::size_t start = 0;
    while (true) {
      std::size_t end = text_.find('\n', start);
      std::string_view line =
          text_.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      ++lineCount_;
      LexError lexError;
      if (!assembly::lexLine(line, tokens, lexError)) {
        return fail({lineCount_, lexError.column}, lexError.message);
      }
      Cursor cursor{tokens, 0, lineCount_, static_cast<uint32_t>(line.size() + 1)};
      if (!tokens.empty() && !readLine(cursor)) return false;
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    if (current_) {
      return fail(current_->pos,
                  fmt::format("function '{}' has no .end", program_.functions.back().name));
    }
    return true;
  }

  bool readLine(Cursor& c) {
    const Token& first = c.peek();
    if (first.kind == TokenKind::Word && first.text.back() == ':') {
      if (!defineLabel(first.text.substr(0, first.text.size() - 1), c.pos())) return false;
      ++c.next;
      if (c.atEnd()) return true;
    }
    const Token& head = c.peek();
    if (head.kind != TokenKind::Word) {
      return fail(c.pos(), "expected a directive, a label or an instruction");
    }
    ++c.next;
    if (head.text[0] == '.') return readDirective(head, c);
    return readInstruction(head, c);
  }

  bool expectEnd(const Cursor& c) {
    if (c.atEnd()) return true;
    return fail(c.pos(), fmt::format("unexpected '{}' at the end of the line", c.peek().text));
  }

  bool readName(Cursor& c, const char* what, std::string* out, SourcePos* pos = nullptr) {
    if (c.atEnd() || c.peek().kind == TokenKind::Equals) {
      return fail(c.pos(), fmt::format("expected {}", what));
    }
    if (pos != nullptr) *pos = c.pos();
    *out = c.peek().text;
    ++c.next;
    return true;
  }

  bool readUnsigned(Cursor& c, const char* what, uint64_t max, uint64_t* out) {
    SourcePos pos = c.pos();
    if (c.atEnd() || c.peek().kind != TokenKind::Word) {
      return fail(pos, fmt::format("expected {}", what));
    }
    int64_t value = 0;
    assembly::NumberStatus status = assembly::parseInteger(c.peek().text, &value);
    if (status == assembly::NumberStatus::NotANumber ||
        status == assembly::NumberStatus::Malformed) {
      return fail(pos, fmt::format("expected {}, found '{}'", what, c.peek().text));
    }
    if (status == assembly::NumberStatus::OutOfRange || value < 0 ||
        static_cast<uint64_t>(value) > max) {
      return fail(pos, fmt::format("{} '{}' is out of range (0..{})", what, c.peek().text, max));
    }
    *out = static_cast<uint64_t>(value);
    ++c.next;
    return true;
  }

  bool requireFunction(const Token& head, SourcePos pos) {
    if (current_) return true;
    return fail(
        pos, fmt::format("'{}' is only allowed inside a function (.function ... .end)", head.text));
  }

  bool requireTopLevel(const Token& head, SourcePos pos) {
    if (!current_) return true;
    return fail(pos, fmt::format("'{}' is not allowed inside function '{}' (missing .end?)",
                                 head.text, program_.functions.back().name));
  }

  bool readDirective(const Token& head, Cursor& c) {
    SourcePos pos{c.line, head.column};
    const std::string& d = head.text;
    if (d == ".source" || d == ".type" || d == ".global" || d == ".entry" || d == ".function") {
      if (!requireTopLevel(head, pos)) return false;
      if (d == ".source") return readName(c, "a file name", &program_.sourceFile) && expectEnd(c);
      if (d == ".type") return readType(c);
      if (d == ".global") return readGlobal(c);
      if (d == ".entry") return readEntry(c, pos);
      return readFunction(c);
    }
    if (d == ".capture" || d == ".const" || d == ".line" || d == ".end") {
      if (!requireFunction(head, pos)) return false;
      if (d == ".capture") return readCapture(c);
      if (d == ".const") return readConstDirective(c);
      if (d == ".line") return readLineDirective(c);
      return expectEnd(c) && endFunction();
    }
    return fail(pos, fmt::format("unknown directive '{}'", d));
  }

  bool readType(Cursor& c) {
    TypeDecl type;
    SourcePos pos;
    if (!readName(c, "a type name", &type.name, &pos)) return false;
    if (typeIndex_.contains(type.name)) {
      return fail(pos, fmt::format("type '{}' is declared twice", type.name));
    }
    while (!c.atEnd()) {
      std::string field;
      SourcePos fieldPos;
      if (!readName(c, "a field name", &field, &fieldPos)) return false;
      for (const std::string& existing : type.fields) {
        if (existing == field) {
          return fail(fieldPos,
                      fmt::format("field '{}' appears twice in type '{}'", field, type.name));
        }
      }
      type.fields.push_back(std::move(field));
    }
    typeIndex_.emplace(type.name, static_cast<uint32_t>(program_.types.size()));
    program_.types.push_back(std::move(type));
    return true;
  }

  bool readGlobal(Cursor& c) {
    GlobalDecl global;
    SourcePos pos;
    if (!readName(c, "a global name", &global.name, &pos)) return false;
    if (globalIndex_.contains(global.name)) {
      return fail(pos, fmt::format("global '{}' is declared twice", global.name));
    }
    auto index = static_cast<uint32_t>(program_.globals.size());
    if (!c.atEnd() && c.peek().kind == TokenKind::Equals) {
      ++c.next;
      GlobalBinding binding{index, {}, {}};
      if (!readName(c, "a function name after '='", &binding.function, &binding.pos)) return false;
      bindings_.push_back(std::move(binding));
    }
    if (!expectEnd(c)) return false;
    globalIndex_.emplace(global.name, index);
    program_.globals.push_back(std::move(global));
    return true;
  }

  bool readEntry(Cursor& c, SourcePos pos) {
    if (entry_) return fail(pos, "the entry function is already given");
    std::string name;
    SourcePos namePos;
    if (!readName(c, "the entry function's name", &name, &namePos) || !expectEnd(c)) return false;
    entry_.emplace(std::move(name), namePos);
    return true;
  }

  bool readFunction(Cursor& c) {
    Function function;
    SourcePos pos;
    if (!readName(c, "a function name", &function.name, &pos)) return false;
    if (functionIndex_.contains(function.name)) {
      return fail(pos, fmt::format("function '{}' is defined twice", function.name));
    }
    FunctionState state;
    state.pos = pos;
    std::optional<uint64_t> arity, locals, stack;
    while (!c.atEnd()) {
      SourcePos keyPos = c.pos();
      const Token& key = c.peek();
      std::optional<uint64_t>* slot = nullptr;
      if (key.kind == TokenKind::Word) {
        if (key.text == "arity") slot = &arity;
        if (key.text == "locals") slot = &locals;
        if (key.text == "stack") slot = &stack;
      }
      if (slot == nullptr) {
        return fail(keyPos,
                    fmt::format("expected arity=N, locals=N or stack=N, found '{}'", key.text));
      }
      if (slot->has_value()) return fail(keyPos, fmt::format("'{}' is given twice", key.text));
      std::string keyName = key.text;
      ++c.next;
      if (c.atEnd() || c.peek().kind != TokenKind::Equals) {
        return fail(c.pos(), fmt::format("expected '=' after '{}'", keyName));
      }
      ++c.next;
      uint64_t value = 0;
      if (!readUnsigned(c, keyName.c_str(), kMaxOperandA, &value)) return false;
      *slot = value;
    }
    function.arity = static_cast<uint32_t>(arity.value_or(0));
    function.numLocals = static_cast<uint32_t>(locals.value_or(function.arity));
    if (function.numLocals < function.arity) {
      return fail(pos, fmt::format("function '{}' has locals={} but arity={} (the parameters are "
                                   "locals 0..arity-1)",
                                   function.name, function.numLocals, function.arity));
    }
    function.maxStack = static_cast<uint32_t>(stack.value_or(0));
    state.stackGiven = stack.has_value();
    functionIndex_.emplace(function.name, static_cast<uint32_t>(program_.functions.size()));
    program_.functions.push_back(std::move(function));
    positions_.emplace_back();
    functionPositions_.push_back(pos);
    current_ = std::move(state);
    code_.emplace(program_.functions.back());
    return true;
  }

  bool readCapture(Cursor& c) {
    SourcePos pos = c.pos();
    Capture capture;
    if (c.atEnd() || c.peek().kind != TokenKind::Word ||
        (c.peek().text != "local" && c.peek().text != "upval")) {
      return fail(pos, "expected 'local' or 'upval'");
    }
    capture.fromLocal = c.peek().text == "local";
    ++c.next;
    uint64_t index = 0;
    if (!readUnsigned(c, capture.fromLocal ? "a local slot" : "an upvalue index", kMaxOperandA,
                      &index)) {
      return false;
    }
    capture.index = static_cast<uint32_t>(index);
    if (!c.atEnd() && !readName(c, "a variable name", &capture.name)) return false;
    if (!expectEnd(c)) return false;
    program_.functions.back().captures.push_back(std::move(capture));
    return true;
  }

  bool readConstDirective(Cursor& c) {
    SourcePos pos = c.pos();
    if (c.atEnd() || c.peek().kind == TokenKind::Equals) return fail(pos, "expected a constant");
    ConstantWord word;
    if (!parseConstantToken(c, &word)) return false;
    if (word.kind == ConstantWord::Index) return fail(pos, "'.const' takes a value, not an index");
    return addConstant(std::move(word.constant), pos, nullptr) && expectEnd(c);
  }

  bool readLineDirective(Cursor& c) {
    uint64_t line = 0;
    if (!readUnsigned(c, "a line number", UINT32_MAX, &line) || !expectEnd(c)) return false;
    current_->pendingLine = static_cast<uint32_t>(line);
    return true;
  }

  bool defineLabel(const std::string& name, SourcePos pos) {
    if (!current_) return fail(pos, "labels are only allowed inside a function");
    if (name.empty()) return fail(pos, "empty label name");
    auto previous = current_->labelPositions.find(name);
    if (previous != current_->labelPositions.end()) {
      return fail(pos, fmt::format("label '{}' is already defined at line {}", name,
                                   previous->second.line));
    }
    code_->bind(current_->labels[name]);
    current_->labelPositions.emplace(name, pos);
    current_->trailingLabel.emplace(name, pos);
    return true;
  }

  bool endFunction() {
    const Function& function = program_.functions.back();
    if (const auto& trailing = current_->trailingLabel) {
      return fail(trailing->second,
                  fmt::format("label '{}' is not followed by an instruction", trailing->first));
    }
    for (const LabelUse& use : current_->labelUses) {
      if (!current_->labels[use.name].isBound()) {
        return fail(use.pos, fmt::format("undefined label '{}'", use.name));
      }
    }
    for (const IndexUse& use : current_->indexUses) {
      if (use.index >= function.constants.size()) {
        return fail(use.pos, fmt::format("constant #{} does not exist (the pool has {})", use.index,
                                         function.constants.size()));
      }
    }
    stackGiven_.push_back(current_->stackGiven);
    current_.reset();
    code_.reset();
    return true;
  }

  // ---- instructions ----

  bool readInstruction(const Token& head, Cursor& c) {
    SourcePos pos{c.line, head.column};
    std::optional<Op> op = opcodeNamed(head.text);
    if (!op) return fail(pos, fmt::format("unknown instruction '{}'", head.text));
    if (!requireFunction(head, pos)) return false;
    Function& function = program_.functions.back();
    const OpInfo& info = opInfo(*op);
    if (function.code.size() > kMaxCodeWords) {
      return fail(pos, fmt::format("function '{}' is too large (more than {} code words)",
                                   function.name, kMaxCodeWords));
    }
    auto offset = static_cast<uint32_t>(function.code.size());
    uint32_t a = 0;
    std::optional<uint32_t> b;
    branchLabel_.reset();
    if (!readOperands(*op, info.operand, c, offset, &a, &b) || !expectEnd(c)) return false;

    FunctionState& state = *current_;
    state.trailingLabel.reset();
    if (state.pendingLine) {
      code_->setLine(*state.pendingLine);
      state.pendingLine.reset();
    }
    if (branchLabel_) {
      code_->emitBranch(*op, state.labels[*branchLabel_], a);
    } else {
      code_->emit(*op, a, b.value_or(0));
    }
    positions_.back().resize(function.code.size(), pos);
    return true;
  }

  // Reads the operands of `op`, whose first word will be at `offset`, into
  // operand A and (for two-word formats) the second word B.
  bool readOperands(Op op, Operand kind, Cursor& c, uint32_t offset, uint32_t* a,
                    std::optional<uint32_t>* b) {
    uint64_t value = 0;
    switch (kind) {
      case Operand::None:
        return true;
      case Operand::Const:
        return readConstant(c, a);
      case Operand::Int:
        return readImmediate(c, a);
      case Operand::Local:
        if (!readUnsigned(c, "a local slot", kMaxOperandA, &value)) return false;
        *a = static_cast<uint32_t>(value);
        return true;
      case Operand::Upval:
        if (!readUnsigned(c, "an upvalue index", kMaxOperandA, &value)) return false;
        *a = static_cast<uint32_t>(value);
        return true;
      case Operand::Count:
        if (!readUnsigned(c, "a count", kMaxOperandA, &value)) return false;
        *a = static_cast<uint32_t>(value);
        return true;
      case Operand::Global:
      case Operand::Func:
      case Operand::Type:
        return readProgramName(kind, c, offset);
      case Operand::Builtin:
        return readBuiltin(c, a);
      case Operand::Jump:
        return readLabel(c);
      case Operand::Method: {
        uint32_t name = 0;
        if (!readConstant(c, &name)) return false;
        if (!readUnsigned(c, "an argument count", kMaxOperandA, &value)) return false;
        *a = static_cast<uint32_t>(value);
        *b = name;
        return true;
      }
      case Operand::ConstJump:
        return readConstant(c, a) && readLabel(c);
      case Operand::Iter:
        if (!readUnsigned(c, "the iteration state's local slot", kMaxOperandA, &value))
          return false;
        *a = static_cast<uint32_t>(value);
        return readLabel(c);
      case Operand::LocalPair:
      case Operand::LocalPairJump:
      case Operand::LocalPairStore:
      case Operand::LocalConst:
      case Operand::LocalConstJump:
      case Operand::LocalConstStore: {
        if (!readUnsigned(c, "a local slot", kMaxPackedField, &value)) return false;
        uint32_t first = static_cast<uint32_t>(value);
        uint32_t second = 0;
        if (kind == Operand::LocalPair || kind == Operand::LocalPairJump ||
            kind == Operand::LocalPairStore) {
          if (!readUnsigned(c, "a local slot", kMaxPackedField, &value)) return false;
          second = static_cast<uint32_t>(value);
        } else {
          SourcePos pos = c.pos();
          if (!readConstant(c, &second)) return false;
          if (second > kMaxPackedField) {
            return fail(pos, fmt::format("constant index {} is out of range for '{}' (0..{})",
                                         second, opInfo(op).mnemonic, kMaxPackedField));
          }
        }
        *a = packFields(first, second);
        if (kind == Operand::LocalPair || kind == Operand::LocalConst) return true;
        if (kind == Operand::LocalPairStore || kind == Operand::LocalConstStore) {
          if (!readUnsigned(c, "a local slot", kMaxOperandA, &value)) return false;
          *b = static_cast<uint32_t>(value);
          return true;
        }
        return readLabel(c);
      }
    }
    return fail(c.pos(),
                fmt::format("instruction '{}' has an operand kind the assembler does not know",
                            opInfo(op).mnemonic));
  }

  bool parseConstantToken(Cursor& c, ConstantWord* out) {
    const Token& token = c.peek();
    if (token.kind == TokenKind::String) {
      out->kind = ConstantWord::Value;
      out->constant = Constant::ofString(token.text);
    } else {
      std::string problem = assembly::parseConstantWord(token.text, out);
      if (!problem.empty()) return fail(c.pos(), problem);
    }
    ++c.next;
    return true;
  }

  // A constant operand: a literal, pooled (the first equal entry is reused),
  // or an explicit pool index '#N'.
  bool readConstant(Cursor& c, uint32_t* index) {
    SourcePos pos = c.pos();
    if (c.atEnd() || c.peek().kind == TokenKind::Equals) return fail(pos, "expected a constant");
    ConstantWord word;
    if (!parseConstantToken(c, &word)) return false;
    if (word.kind == ConstantWord::Index) {
      current_->indexUses.push_back(IndexUse{word.index, pos});
      *index = word.index;
      return true;
    }
    auto known = current_->constantIndex.find(assembly::constantKey(word.constant));
    if (known != current_->constantIndex.end()) {
      *index = known->second;
      return true;
    }
    return addConstant(std::move(word.constant), pos, index);
  }

  // Appends to the pool (even if an equal constant is there: `.const` lays out
  // the pool exactly); `*index` (if given) receives the new entry's index.
  bool addConstant(Constant constant, SourcePos pos, uint32_t* index) {
    std::vector<Constant>& pool = program_.functions.back().constants;
    if (pool.size() > kMaxOperandA) return fail(pos, "too many constants in one function");
    auto position = static_cast<uint32_t>(pool.size());
    current_->constantIndex.emplace(assembly::constantKey(constant), position);
    pool.push_back(std::move(constant));
    if (index != nullptr) *index = position;
    return true;
  }

  bool readImmediate(Cursor& c, uint32_t* a) {
    SourcePos pos = c.pos();
    if (c.atEnd() || c.peek().kind != TokenKind::Word) return fail(pos, "expected an integer");
    int64_t value = 0;
    assembly::NumberStatus status = assembly::parseInteger(c.peek().text, &value);
    if (status == assembly::NumberStatus::NotANumber ||
        status == assembly::NumberStatus::Malformed) {
      return fail(pos, fmt::format("expected an integer, found '{}'", c.peek().text));
    }
    if (status == assembly::NumberStatus::OutOfRange || value < kMinImmediate ||
        value > kMaxImmediate) {
      return fail(pos, fmt::format("immediate '{}' does not fit in 24 bits ({}..{}); use 'const'",
                                   c.peek().text, kMinImmediate, kMaxImmediate));
    }
    *a = static_cast<uint32_t>(value) & kMaxOperandA;
    ++c.next;
    return true;
  }

  bool readProgramName(Operand kind, Cursor& c, uint32_t offset) {
    const char* what = kind == Operand::Global ? "a global name"
                       : kind == Operand::Func ? "a function name"
                                               : "a type name";
    NameUse use{kind, static_cast<uint32_t>(program_.functions.size() - 1), offset, {}, {}};
    if (!readName(c, what, &use.name, &use.pos)) return false;
    nameUses_.push_back(std::move(use));
    return true;
  }

  bool readBuiltin(Cursor& c, uint32_t* a) {
    std::string name;
    SourcePos pos;
    if (!readName(c, "a built-in function name", &name, &pos)) return false;
    int index = findBuiltin(name);
    if (index < 0) return fail(pos, fmt::format("unknown built-in function '{}'", name));
    *a = static_cast<uint32_t>(index);
    return true;
  }

  bool readLabel(Cursor& c) {
    SourcePos pos = c.pos();
    if (c.atEnd() || c.peek().kind != TokenKind::Word) return fail(pos, "expected a label");
    current_->labelUses.push_back(LabelUse{c.peek().text, pos});
    branchLabel_ = c.peek().text;
    ++c.next;
    return true;
  }

  // ---- whole program ----

  bool resolveNames() {
    for (const NameUse& use : nameUses_) {
      const auto& table = use.kind == Operand::Global ? globalIndex_
                          : use.kind == Operand::Func ? functionIndex_
                                                      : typeIndex_;
      const char* what = use.kind == Operand::Global ? "global"
                         : use.kind == Operand::Func ? "function"
                                                     : "type";
      auto it = table.find(use.name);
      if (it == table.end()) {
        return fail(use.pos, fmt::format("undefined {} '{}'", what, use.name));
      }
      if (it->second > kMaxOperandA) {
        return fail(use.pos, fmt::format("{} '{}' has index {}, beyond the 24-bit operand range",
                                         what, use.name, it->second));
      }
      Instr& word = program_.functions[use.function].code[use.word];
      word = makeInstr(instrOp(word), it->second);
    }
    for (const GlobalBinding& binding : bindings_) {
      auto it = functionIndex_.find(binding.function);
      if (it == functionIndex_.end()) {
        return fail(binding.pos, fmt::format("undefined function '{}'", binding.function));
      }
      program_.globals[binding.global].function = static_cast<int32_t>(it->second);
    }
    if (program_.functions.empty()) {
      return fail({1, 1}, "the program has no functions (it needs an entry function)");
    }
    if (entry_) {
      auto it = functionIndex_.find(entry_->first);
      if (it == functionIndex_.end()) {
        return fail(entry_->second, fmt::format("undefined function '{}'", entry_->first));
      }
      program_.entry = it->second;
    }
    return true;
  }

  bool finishProgram() {
    for (std::size_t i = 0; i < program_.functions.size(); ++i) {
      if (stackGiven_[i]) continue;
      Function& function = program_.functions[i];
      Result<uint32_t> depth = computeMaxStack(program_, function, file_);
      if (!depth) {
        error_ = locate(depth.error());
        return false;
      }
      function.maxStack = depth.value();
    }
    if (std::optional<Diagnostic> problem = verifyProgram(program_, file_)) {
      error_ = locate(*problem);
      return false;
    }
    computeHashes(program_);
    return true;
  }
};

}  // namespace

Result<Program> assemble(std::string_view text, const std::string& fileName) {
  return Assembler(text, fileName).run();
}

}  // namespace shapevm
