// Bytecode generation (see emitter.h for the invariants it keeps).
//
// Code, labels, the line table and the running stack depth are kept by a
// BytecodeBuilder (bytecode/bytecode_builder.h). After an unconditional
// transfer the code is unreachable, and emit() drops instructions until a
// label that some jump targets is bound.
#include "compiler/emitter.h"

#include <cstring>
#include <map>
#include <optional>
#include <tuple>

#include "bytecode/bytecode_builder.h"

namespace shapevm {

namespace {

constexpr uint32_t kNoSlot = UINT32_MAX;
constexpr int64_t kMinImmediate = -(int64_t{1} << 23);
constexpr int64_t kMaxImmediate = (int64_t{1} << 23) - 1;

Op opFor(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return Op::Add;
    case BinaryOp::Sub:
      return Op::Sub;
    case BinaryOp::Mul:
      return Op::Mul;
    case BinaryOp::Div:
      return Op::Div;
    case BinaryOp::Mod:
      return Op::Mod;
    case BinaryOp::Eq:
      return Op::Eq;
    case BinaryOp::Ne:
      return Op::Ne;
    case BinaryOp::Lt:
      return Op::Lt;
    case BinaryOp::Le:
      return Op::Le;
    case BinaryOp::Gt:
      return Op::Gt;
    case BinaryOp::Ge:
      return Op::Ge;
    case BinaryOp::Pow:
      return Op::Pow;
    case BinaryOp::BitAnd:
      return Op::BitAnd;
    case BinaryOp::BitOr:
      return Op::BitOr;
    case BinaryOp::BitXor:
      return Op::BitXor;
    case BinaryOp::ShiftLeft:
      return Op::ShiftLeft;
    case BinaryOp::ShiftRight:
      return Op::ShiftRight;
  }
  return Op::Add;
}

using Label = BytecodeBuilder::Label;

class FunctionEmitter {
 public:
  FunctionEmitter(const Program& program, Function& fn, DiagnosticSink& sink)
      : program_(program), fn_(fn), sink_(sink), code_(fn, &program) {
    code_.setPeephole([this] { return fuseTail(); });
  }

  void emitMain(const ParsedProgram& parsed) {
    fn_.name = "<main>";
    fn_.arity = 0;
    fn_.numLocals = parsed.mainLocals;
    scopes_.emplace_back();
    for (const StmtPtr& stmt : parsed.statements) emitStmt(*stmt);
    line_ = parsed.end.line;
    emit(Op::None);
    emit(Op::Return);
    finish();
  }

  void emitFunction(const FunctionNode& node) {
    fn_.name = node.qualifiedName;
    fn_.arity = static_cast<uint32_t>(node.params.size());
    fn_.numLocals = node.numLocals;
    fn_.captures = node.captures;
    // Parameters' cells are closed by the VM at return; this scope only exists
    // so break/continue bookkeeping has a base.
    scopes_.emplace_back();
    for (const Param& param : node.params) liveFrom(param.name, param.binding.index);
    line_ = node.pos.line;
    if (node.expressionBody) {
      emitExpr(*node.expressionBody);
    } else {
      emitStatementsValue(node.body);
    }
    emit(Op::Return);
    finish();
  }

 private:
  struct Scope {
    uint32_t firstCaptured = kNoSlot;
    std::vector<std::size_t> locals;  // fn_.locals entries that end with the scope
  };

  struct Loop {
    Label* breakLabel;
    Label* continueLabel;
    std::size_t breakScope;     // first scope a break leaves
    std::size_t continueScope;  // first scope a continue leaves
    uint32_t tryDepth;
    int64_t stackDepth;  // operand stack depth at the loop's statement
  };

  void finish() {
    code_.finish();
    for (std::size_t local : scopes_.front().locals) fn_.locals[local].end = here();
    // A declaring store fused into the instruction before it (add_ll_set)
    // puts a local's start inside that instruction: it starts with it.
    std::vector<bool> starts(fn_.code.size() + 1, false);
    for (std::size_t at = 0; at < fn_.code.size(); at += instrWords(instrOp(fn_.code[at]))) {
      starts[at] = true;
    }
    starts[fn_.code.size()] = true;
    for (LocalInfo& local : fn_.locals) {
      while (!starts[local.start]) --local.start;
      while (!starts[local.end]) ++local.end;
    }
  }

  void error(uint32_t line, const std::string& message) { sink_.error(line, 0, message); }

  uint32_t here() const { return code_.here(); }

  // ------------------------------------------------------------ instructions

  bool checkOperand(uint32_t a) {
    if (a <= kMaxOperandA) return true;
    error(line_, "program too large: an operand exceeds " + std::to_string(kMaxOperandA));
    return false;
  }

  // Emits one instruction (two words if its format has B); the builder
  // applies its stack effect for the fall-through path, then fuses the tail.
  void emit(Op op, uint32_t a = 0, uint32_t b = 0) {
    if (!code_.reachable() || !checkOperand(a)) return;
    code_.setLine(line_);
    code_.emit(op, a, b);
  }

  // ------------------------------------------------------------------ fusion
  //
  // Common instruction sequences become one superinstruction (opcodes.h), so
  // hot loops dispatch less. Applied to the tail of the code after every
  // instruction, repeatedly, so fusions build on each other:
  //   int k; add                  -> add_int k           (and sub)
  //   lt; jump_if_false L         -> jump_if_not_lt L    (and the other comparisons)
  //   lt; jump_if_true L          -> jump_if_lt L        (the bottom test of a loop)
  //   not; jump_if_false L        -> jump_if_true L      (and the reverse)
  //   get_local a; get_local b    -> get_local2 a b
  //   get_local b; add            -> add_l b             (and sub, mul, div, mod)
  //   const k; add                -> add_k k
  //   get_local2 a b; add         -> add_ll a b
  //   get_local a; add_l b        -> add_ll a b
  //   get_local a; add_k k        -> add_lk a k          (add_int/sub_int too)
  //   const k; add_l a            -> add_kl a k          (int k too)
  //   add_ll a b; set_local c     -> add_ll_set a b c    (and add_lk)
  //   add; set_local c            -> add_set c
  //   add_l b; set_local c        -> add_l_set c b       (and add_k)
  //   get_local2 a b; get_index   -> get_index_ll a b
  //   get_local a; get_field k    -> get_field_l a k
  //   get_local2 a b; jump_if_not_lt L       -> jump_if_not_lt_ll a b L (and jump_if_lt)
  //   get_local a; const k; jump_if_not_lt L -> jump_if_not_lt_lk a k L
  //   const k; jump_if_not_lt L   -> jump_if_not_lt_k k L (int k too)
  // A get_local2 gives its second local to the next instruction when they
  // fuse, so the pair moves along a run of local reads:
  //   get_local2 s a; add_l b     -> get_local s; add_ll a b
  //   get_local2 s a; get_local i -> get_local s; get_local2 a i  (then get_index_ll a i)
  // and a pair left behind that way joins again:
  //   get_local s; get_local a; X -> get_local2 s a; X
  // A fused sequence has the stack effect of the sequence it replaces, and is
  // fused only if no label is bound inside it (a jump may land on its first
  // instruction only). It takes the line of its last part.

  using Emitted = BytecodeBuilder::Emitted;
  using Fused = BytecodeBuilder::Instruction;
  std::optional<Emitted> emitted(std::size_t back) const { return code_.emitted(back); }

  bool fuseTail() {
    std::optional<Emitted> last = emitted(0);
    std::optional<Emitted> prev = emitted(1);
    if (!last || !prev) return false;
    if (std::optional<Fused> fused = fusePair(*prev, *last)) return replaceTail(*prev, {*fused});
    if (prev->op == Op::GetLocal2) {
      Fused keep{Op::GetLocal, firstField(prev->a)};
      Emitted second{Op::GetLocal, secondField(prev->a), prev->start};
      if (std::optional<Fused> fused = fusePair(second, *last)) {
        return replaceTail(*prev, {keep, *fused});
      }
    }
    return fuseCompareJumpLK(*last, *prev) || fuseCompareJumpK(*last, *prev) ||
           fuseLocalPairBefore(*last, *prev);
  }

  // get_local a; get_local b; X -> get_local2 a b; X, when X took nothing
  // from get_local b. The pair is left behind when a get_local2 gave its
  // second local to X's parts (`m.set(i, i * 2.5)`: get_local m; get_local i;
  // mul_lk i 2.5). X must be one word and no branch, so that rewriting it
  // keeps its operand and any label it refers to.
  bool fuseLocalPairBefore(const Emitted& last, const Emitted& prev) {
    std::optional<Emitted> first = emitted(2);
    if (!first || first->op != Op::GetLocal || prev.op != Op::GetLocal) return false;
    if (first->a > kMaxPackedField || prev.a > kMaxPackedField) return false;
    if (instrWords(last.op) != 1 || opInfo(last.op).operand == Operand::Jump) return false;
    return replaceTail(*first, {{Op::GetLocal2, packFields(first->a, prev.a)}, {last.op, last.a}});
  }

  // The instruction `prev; last` fuses into, if any.
  std::optional<Fused> fusePair(const Emitted& prev, const Emitted& last) {
    Op op = last.op;
    bool packablePrev = prev.a <= kMaxPackedField;
    bool packableLast = last.a <= kMaxPackedField;
    if ((op == Op::Add || op == Op::Sub) && prev.op == Op::Int) {
      return Fused{op == Op::Add ? Op::AddInt : Op::SubInt, prev.a};
    }
    if (op == Op::JumpIfFalse || op == Op::JumpIfTrue) {
      if (prev.op == Op::Not) {
        return Fused{op == Op::JumpIfFalse ? Op::JumpIfTrue : Op::JumpIfFalse, last.a};
      }
      if (std::optional<Op> fused = compareJump(prev.op, op)) return Fused{*fused, last.a};
      return std::nullopt;
    }
    if (op == Op::GetLocal && prev.op == Op::GetLocal && packablePrev && packableLast) {
      return Fused{Op::GetLocal2, packFields(prev.a, last.a)};
    }
    if (std::optional<RegisterJumpForms> forms = compareJumpForms(op)) {
      if (prev.op == Op::GetLocal2) return Fused{forms->localLocal, prev.a, last.a};
      return std::nullopt;
    }
    if (op == Op::GetIndex && prev.op == Op::GetLocal2) return Fused{Op::GetIndexLL, prev.a};
    if (op == Op::GetField && prev.op == Op::GetLocal && packablePrev && packableLast) {
      return Fused{Op::GetFieldL, packFields(prev.a, last.a)};
    }
    if (std::optional<ArithmeticFamily> forms = arithmeticForms(op)) {
      if (prev.op == Op::GetLocal2) return Fused{forms->localLocal, prev.a};
      if (prev.op == Op::GetLocal) return Fused{forms->local, prev.a};
      // An int here is for mul, div, mod: add and sub took add_int / sub_int above.
      if (std::optional<uint32_t> k = pushedConstant(prev)) return Fused{forms->constant, *k};
      return std::nullopt;
    }
    for (const ArithmeticFamily& forms : kArithmeticFamilies) {
      if (op == Op::SetLocal && prev.op == forms.localLocal) {
        return Fused{forms.localLocalSet, prev.a, last.a};
      }
      if (op == Op::SetLocal && prev.op == forms.localConstant) {
        return Fused{forms.localConstantSet, prev.a, last.a};
      }
      if (op == Op::SetLocal && prev.op == forms.plain) return Fused{forms.plainSet, last.a};
      if (op == Op::SetLocal && packableLast && prev.op == forms.local && packablePrev) {
        return Fused{forms.localSet, packFields(last.a, prev.a)};
      }
      if (op == Op::SetLocal && packableLast && prev.op == forms.constant && packablePrev) {
        return Fused{forms.constantSet, packFields(last.a, prev.a)};
      }
      if (prev.op == Op::GetLocal && packablePrev && packableLast && op == forms.local) {
        return Fused{forms.localLocal, packFields(prev.a, last.a)};
      }
      if (prev.op == Op::GetLocal && packablePrev && packableLast && op == forms.constant) {
        return Fused{forms.localConstant, packFields(prev.a, last.a)};
      }
      if (op == forms.local && packableLast) {
        std::optional<uint32_t> k = pushedConstant(prev);
        if (k && *k <= kMaxPackedField) return Fused{forms.constantLocal, packFields(last.a, *k)};
      }
    }
    if (prev.op == Op::GetLocal && packablePrev && (op == Op::AddInt || op == Op::SubInt)) {
      std::optional<uint32_t> k = packableImmediate(last.a);
      if (k) return Fused{op == Op::AddInt ? Op::AddLK : Op::SubLK, packFields(prev.a, *k)};
    }
    return std::nullopt;
  }

  // get_local a; const k | int k; jump_if_not_<cmp> L -> jump_if_not_<cmp>_lk a k L
  bool fuseCompareJumpLK(const Emitted& last, const Emitted& prev) {
    std::optional<RegisterJumpForms> forms = compareJumpForms(last.op);
    std::optional<Emitted> first = emitted(2);
    if (!forms || !first || first->op != Op::GetLocal || first->a > kMaxPackedField) return false;
    std::optional<uint32_t> right = pushedConstant(prev);
    if (!right || *right > kMaxPackedField) return false;
    return replaceTail(*first, {{forms->localConstant, packFields(first->a, *right), last.a}});
  }

  // const k | int k; jump_if_not_<cmp> L -> jump_if_not_<cmp>_k k L, when
  // no get_local before the constant made the _lk form.
  bool fuseCompareJumpK(const Emitted& last, const Emitted& prev) {
    std::optional<RegisterJumpForms> forms = compareJumpForms(last.op);
    if (!forms) return false;
    std::optional<uint32_t> right = pushedConstant(prev);
    if (!right) return false;
    return replaceTail(prev, {{forms->constant, *right, last.a}});
  }

  bool replaceTail(const Emitted& first, std::initializer_list<Fused> code) {
    code_.setLine(line_);
    code_.replaceTail(first, code);
    return true;
  }

  static std::optional<ArithmeticFamily> arithmeticForms(Op plain) {
    for (const ArithmeticFamily& forms : kArithmeticFamilies) {
      if (forms.plain == plain) return forms;
    }
    return std::nullopt;
  }

  // `compare; jump_if_false|jump_if_true` -> the stack compare-and-branch.
  static std::optional<Op> compareJump(Op compare, Op branch) {
    for (const ComparisonFamily& forms : kComparisonFamilies) {
      if (forms.compare == compare) return branch == Op::JumpIfFalse ? forms.unless : forms.when;
    }
    return std::nullopt;
  }
  struct RegisterJumpForms {
    Op localLocal, localConstant, constant;
  };
  // The register forms of a stack compare-and-branch.
  static std::optional<RegisterJumpForms> compareJumpForms(Op jump) {
    for (const ComparisonFamily& forms : kComparisonFamilies) {
      if (forms.unless == jump) {
        return RegisterJumpForms{forms.unlessLocalLocal, forms.unlessLocalConstant,
                                 forms.unlessConstant};
      }
      if (forms.when == jump) {
        return RegisterJumpForms{forms.whenLocalLocal, forms.whenLocalConstant, forms.whenConstant};
      }
    }
    return std::nullopt;
  }

  // The pool index of the constant that `const k` or `int k` pushes: k for
  // `const`; for `int`, its value's index if that fits a packed field.
  std::optional<uint32_t> pushedConstant(const Emitted& instruction) {
    if (instruction.op == Op::Const) return instruction.a;
    if (instruction.op == Op::Int) return packableImmediate(instruction.a);
    return std::nullopt;
  }

  // The pool index of the value of an `int` or `add_int` operand A, if it
  // fits a packed field.
  std::optional<uint32_t> packableImmediate(uint32_t a) {
    return packableConstant(Constant::ofInt(instrSignedA(a << 8)));
  }

  // The pool index of `c` if it fits a packed field; adds it only then, so a
  // failed fusion leaves no unused constant behind.
  std::optional<uint32_t> packableConstant(const Constant& c) {
    if (auto known = findConstant(c)) {
      if (*known <= kMaxPackedField) return known;
      return std::nullopt;
    }
    if (fn_.constants.size() > kMaxPackedField) return std::nullopt;
    return constant(c);
  }

  void emitFieldDefault(const FieldDefault& fieldDefault) {
    switch (fieldDefault.kind) {
      case FieldDefault::Kind::None:
        emit(Op::None);
        return;
      case FieldDefault::Kind::False:
        emit(Op::False);
        return;
      case FieldDefault::Kind::True:
        emit(Op::True);
        return;
      case FieldDefault::Kind::Constant:
        if (fieldDefault.constant.kind == ConstantKind::Int) {
          emitInt(fieldDefault.constant.intValue);  // small ints have their own instruction
        } else {
          emit(Op::Const, constant(fieldDefault.constant));
        }
        return;
    }
  }

  void emitInt(int64_t value) {
    if (value >= kMinImmediate && value <= kMaxImmediate) {
      emit(Op::Int, static_cast<uint32_t>(value) & kMaxOperandA);
    } else {
      emit(Op::Const, constant(Constant::ofInt(value)));
    }
  }

  using ConstantKey = std::tuple<uint8_t, uint64_t, std::string>;
  static ConstantKey constantKey(const Constant& c) {
    uint64_t bits = 0;
    if (c.kind == ConstantKind::Int) bits = static_cast<uint64_t>(c.intValue);
    if (c.kind == ConstantKind::Float) std::memcpy(&bits, &c.floatValue, sizeof bits);
    return std::make_tuple(static_cast<uint8_t>(c.kind), bits, c.stringValue);
  }

  std::optional<uint32_t> findConstant(const Constant& c) const {
    auto found = constants_.find(constantKey(c));
    if (found == constants_.end()) return std::nullopt;
    return found->second;
  }

  uint32_t constant(const Constant& c) {
    if (auto known = findConstant(c)) return *known;
    uint32_t index = static_cast<uint32_t>(fn_.constants.size());
    fn_.constants.push_back(c);
    constants_.emplace(constantKey(c), index);
    return index;
  }

  uint32_t stringConstant(const std::string& text) { return constant(Constant::ofString(text)); }

  // A jump (or try / for_iter, whose operand A is `a`) to `label`.
  void emitBranch(Op op, Label& label, uint32_t a = 0) {
    if (!code_.reachable() || !checkOperand(a)) return;
    code_.setLine(line_);
    code_.emitBranch(op, label, a);
  }

  void bind(Label& label) { code_.bind(label); }

  // ----------------------------------------------------------------- scopes

  void beginScope() { scopes_.emplace_back(); }

  void endScope() {
    Scope scope = std::move(scopes_.back());
    scopes_.pop_back();
    if (scope.firstCaptured != kNoSlot) emit(Op::CloseUpvals, scope.firstCaptured);
    for (std::size_t local : scope.locals) fn_.locals[local].end = here();
  }

  // Debug information: local `name` lives in `slot` from here to the end of
  // the current scope. Returns its entry.
  std::size_t liveFrom(const std::string& name, uint32_t slot) {
    std::size_t entry = fn_.locals.size();
    fn_.locals.push_back(LocalInfo{name, slot, here(), here()});
    scopes_.back().locals.push_back(entry);
    return entry;
  }

  // Registers a local declared in the current scope: its debug entry, and
  // its cell to close if a closure captures it.
  void declare(const Binding& binding, const std::string& name) {
    if (binding.kind != Binding::Kind::Local) return;
    liveFrom(name, binding.index);
    if (!binding.captured) return;
    ++capturedDeclarations_;
    Scope& scope = scopes_.back();
    scope.firstCaptured = std::min(scope.firstCaptured, binding.index);
  }

  // First captured slot among scopes [from, end), or kNoSlot.
  uint32_t firstCapturedFrom(std::size_t from) const {
    uint32_t first = kNoSlot;
    for (std::size_t i = from; i < scopes_.size(); ++i) {
      first = std::min(first, scopes_[i].firstCaptured);
    }
    return first;
  }

  void store(const Binding& binding) {
    emit(binding.kind == Binding::Kind::Global ? Op::SetGlobal : Op::SetLocal, binding.index);
  }

  void emitBlock(const Block& block) {
    beginScope();
    for (const StmtPtr& stmt : block.statements) emitStmt(*stmt);
    line_ = block.end.line;
    endScope();
  }

  // ------------------------------------------------------ values of blocks
  //
  // A block's value is its last statement's: an expression statement without
  // a trailing ';', an `if` (none when no branch runs) or a nested block.
  // Any other ending gives none. Function bodies return their value.

  void emitBlockValue(const Block& block) {
    beginScope();
    emitStatementsValue(block);
    endScope();
  }

  // The statements of `block` in the current scope, leaving its value.
  void emitStatementsValue(const Block& block) {
    const StmtList& statements = block.statements;
    for (std::size_t i = 0; i + 1 < statements.size(); ++i) emitStmt(*statements[i]);
    if (statements.empty() || !emitStmtValue(*statements.back())) {
      line_ = block.end.line;
      emit(Op::None);
    }
    line_ = block.end.line;
  }

  // Emits `stmt` leaving its value; false if it has none (and left nothing).
  bool emitStmtValue(const Stmt& stmt) {
    std::size_t entry = beginStatement(stmt);
    bool hasValue = emitStmtValueCode(stmt);
    endStatement(entry);
    return hasValue;
  }

  bool emitStmtValueCode(const Stmt& stmt) {
    switch (stmt.kind) {
      case StmtKind::Expr: {
        const auto& expr = static_cast<const ExprStmt&>(stmt);
        emitExpr(*expr.expr);
        if (!expr.terminated) return true;
        emit(Op::Pop);
        return false;
      }
      case StmtKind::If:
        emitIfValue(static_cast<const IfStmt&>(stmt));
        return true;
      case StmtKind::Block:
        emitBlockValue(static_cast<const BlockStmt&>(stmt).block);
        return true;
      default:
        emitStmtCode(stmt);
        return false;
    }
  }

  void emitIfValue(const IfStmt& stmt) {
    Label end;
    for (const IfBranch& branch : stmt.branches) {
      Label next;
      emitExpr(*branch.condition);
      emitBranch(Op::JumpIfFalse, next);
      emitBlockValue(branch.body);
      emitBranch(Op::Jump, end);
      bind(next);
    }
    if (stmt.hasElse) {
      emitBlockValue(stmt.elseBody);
    } else {
      emit(Op::None);
    }
    bind(end);
  }

  // ------------------------------------------------------------- statements

  void emitStmt(const Stmt& stmt) {
    std::size_t entry = beginStatement(stmt);
    emitStmtCode(stmt);
    endStatement(entry);
  }

  // Debug information: a statement's code runs from its beginning to its end,
  // and no superinstruction crosses either, so each boundary is an
  // instruction boundary. The entry is dropped if the statement made no code.
  std::size_t beginStatement(const Stmt& stmt) {
    line_ = stmt.pos.line;
    code_.boundary();
    std::size_t entry = fn_.statements.size();
    int32_t parent = openStatements_.empty() ? -1 : static_cast<int32_t>(openStatements_.back());
    fn_.statements.push_back(StatementInfo{here(), here(), stmt.pos.line, parent});
    openStatements_.push_back(entry);
    return entry;
  }

  void endStatement(std::size_t entry) {
    openStatements_.pop_back();
    code_.boundary();
    StatementInfo& statement = fn_.statements[entry];
    statement.end = here();
    // Without code of its own, it has no statements nested in it either.
    if (statement.end == statement.start) fn_.statements.pop_back();
  }

  void emitStmtCode(const Stmt& stmt) {
    switch (stmt.kind) {
      case StmtKind::Expr:
        emitExpr(*static_cast<const ExprStmt&>(stmt).expr);
        emit(Op::Pop);
        return;
      case StmtKind::VarDecl: {
        const auto& decl = static_cast<const VarDeclStmt&>(stmt);
        if (decl.init) {
          emitExpr(*decl.init);
        } else {
          emit(Op::None);
        }
        line_ = stmt.pos.line;
        declare(decl.binding, decl.name);
        store(decl.binding);
        return;
      }
      case StmtKind::Assign:
        emitAssign(static_cast<const AssignStmt&>(stmt));
        return;
      case StmtKind::If:
        emitIf(static_cast<const IfStmt&>(stmt));
        return;
      case StmtKind::While:
        emitWhile(static_cast<const WhileStmt&>(stmt));
        return;
      case StmtKind::ForRange:
        emitForRange(static_cast<const ForRangeStmt&>(stmt));
        return;
      case StmtKind::ForEach:
        emitForEach(static_cast<const ForEachStmt&>(stmt));
        return;
      case StmtKind::Break:
      case StmtKind::Continue:
        emitLoopExit(stmt.kind == StmtKind::Break);
        return;
      case StmtKind::Return: {
        const auto& ret = static_cast<const ReturnStmt&>(stmt);
        if (ret.value) {
          emitExpr(*ret.value);
        } else {
          emit(Op::None);
        }
        line_ = stmt.pos.line;
        emit(Op::Return);
        return;
      }
      case StmtKind::Throw:
        emitExpr(*static_cast<const ThrowStmt&>(stmt).value);
        line_ = stmt.pos.line;
        emit(Op::Throw);
        return;
      case StmtKind::Try:
        emitTry(static_cast<const TryStmt&>(stmt));
        return;
      case StmtKind::Function: {
        const FunctionNode* fn = static_cast<const FunctionStmt&>(stmt).function;
        if (fn->topLevel) return;  // bound to its global when the program loads
        declare(fn->binding, fn->name);
        emit(Op::Closure, fn->index);
        store(fn->binding);
        return;
      }
      case StmtKind::Block:
        emitBlock(static_cast<const BlockStmt&>(stmt).block);
        return;
    }
  }

  void emitAssign(const AssignStmt& assign) {
    const Expr& target = *assign.target;
    if (target.kind == ExprKind::Name) {
      const auto& name = static_cast<const NameExpr&>(target);
      if (emitArithmeticInto(assign, name)) return;
      if (assign.compound) emitName(name);
      emitExpr(*assign.value);
      line_ = assign.pos.line;
      if (assign.compound) emit(opFor(assign.op));
      const Resolution& r = name.resolution;
      Op op = r.kind == Resolution::Kind::Local     ? Op::SetLocal
              : r.kind == Resolution::Kind::Upvalue ? Op::SetUpval
                                                    : Op::SetGlobal;
      emit(op, r.index);
    } else if (target.kind == ExprKind::Index) {
      const auto& index = static_cast<const IndexExpr&>(target);
      std::optional<uint32_t> containerSlot = packableLocal(*index.object);
      std::optional<uint32_t> indexSlot = packableLocal(*index.index);
      if (!assign.compound && containerSlot && indexSlot && onlyOperations(*assign.value, false)) {
        emitExpr(*assign.value);
        line_ = assign.pos.line;
        emit(Op::SetIndexLL, packFields(*containerSlot, *indexSlot));
        return;
      }
      emitExpr(*index.object);
      emitExpr(*index.index);
      if (assign.compound) {
        line_ = index.pos.line;
        emit(Op::Dup2);
        emit(Op::GetIndex);
      }
      emitExpr(*assign.value);
      line_ = assign.pos.line;
      if (assign.compound) emit(opFor(assign.op));
      emit(Op::SetIndex);
    } else {
      const auto& field = static_cast<const FieldExpr&>(target);
      uint32_t name = stringConstant(field.field);
      if (std::optional<uint32_t> slot = unchangingLocal(*field.object);
          slot && name <= kMaxPackedField) {
        if (assign.compound) {
          line_ = field.pos.line;
          emit(Op::GetLocal, *slot);
          emit(Op::GetField, name);
        }
        emitExpr(*assign.value);
        line_ = assign.pos.line;
        if (assign.compound) emit(opFor(assign.op));
        emit(Op::SetFieldL, packFields(*slot, name));
        return;
      }
      emitExpr(*field.object);
      if (assign.compound) {
        line_ = field.pos.line;
        emit(Op::Dup);
        emit(Op::GetField, name);
      }
      emitExpr(*assign.value);
      line_ = assign.pos.line;
      if (assign.compound) emit(opFor(assign.op));
      emit(Op::SetField, name);
    }
  }

  // `x = x op e` or `x op= e`, for a local x no closure captures: `e; op_into
  // x` instead of `get_local x; e; op; set_local x`. Reading x after e instead
  // of before is the same as long as e cannot assign x: only this frame's
  // code writes an uncaptured local, and e holds no statement. A local or
  // literal e is left to the register forms (`x = x + 1` is one add_lk_set).
  bool emitArithmeticInto(const AssignStmt& assign, const NameExpr& name) {
    const Resolution& r = name.resolution;
    if (r.kind != Resolution::Kind::Local || r.binding == nullptr || r.binding->captured) {
      return false;
    }
    BinaryOp op = assign.op;
    const Expr* operand = assign.value.get();
    uint32_t line = assign.pos.line;
    if (!assign.compound) {
      if (operand->kind != ExprKind::Binary) return false;
      const auto& binary = static_cast<const BinaryExpr&>(*operand);
      if (binary.lhs->kind != ExprKind::Name) return false;
      const Resolution& left = static_cast<const NameExpr&>(*binary.lhs).resolution;
      if (left.kind != Resolution::Kind::Local || left.index != r.index) return false;
      op = binary.op;
      operand = binary.rhs.get();
      line = binary.pos.line;
    }
    std::optional<ArithmeticFamily> forms = arithmeticForms(opFor(op));
    if (!forms || isLocalOrLiteral(*operand) || !onlyOperations(*operand, true)) return false;
    emitExpr(*operand);
    line_ = line;
    emit(forms->into, r.index);
    return true;
  }

  static bool isLiteral(const Expr& expr) {
    return expr.kind == ExprKind::Int || expr.kind == ExprKind::Float ||
           expr.kind == ExprKind::String || expr.kind == ExprKind::Bool ||
           expr.kind == ExprKind::None;
  }

  static bool isLocalOrLiteral(const Expr& expr) {
    return isLiteral(expr) ||
           (expr.kind == ExprKind::Name &&
            static_cast<const NameExpr&>(expr).resolution.kind == Resolution::Kind::Local);
  }

  // The slot of `expr` if it is a local below 4096, which a packed operand
  // can name.
  static std::optional<uint32_t> packableLocal(const Expr& expr) {
    if (expr.kind != ExprKind::Name) return std::nullopt;
    const Resolution& r = static_cast<const NameExpr&>(expr).resolution;
    if (r.kind != Resolution::Kind::Local || r.index > kMaxPackedField) return std::nullopt;
    return r.index;
  }

  // Whether `expr` is made only of literals, names, operators, fields and
  // indexing, and calls if `withCalls`: no block, `if`, `match`, `try` or
  // function literal, which could hold an assignment. Such an expression
  // cannot change a local no closure captures; without calls, it runs no
  // guest code, so it cannot change any local. `a[i] = v` may then read `a`
  // and `i` after `v` instead of before (set_index_ll), and `x = x + e` read
  // `x` after `e` (add_into).
  static bool onlyOperations(const Expr& expr, bool withCalls) {
    auto all = [withCalls](const std::vector<ExprPtr>& exprs) {
      for (const ExprPtr& e : exprs) {
        if (!onlyOperations(*e, withCalls)) return false;
      }
      return true;
    };
    if (isLiteral(expr) || expr.kind == ExprKind::Name) return true;
    switch (expr.kind) {
      case ExprKind::Unary:
        return onlyOperations(*static_cast<const UnaryExpr&>(expr).operand, withCalls);
      case ExprKind::Binary: {
        const auto& binary = static_cast<const BinaryExpr&>(expr);
        return onlyOperations(*binary.lhs, withCalls) && onlyOperations(*binary.rhs, withCalls);
      }
      case ExprKind::Field:
        return onlyOperations(*static_cast<const FieldExpr&>(expr).object, withCalls);
      case ExprKind::Index: {
        const auto& index = static_cast<const IndexExpr&>(expr);
        return onlyOperations(*index.object, withCalls) && onlyOperations(*index.index, withCalls);
      }
      case ExprKind::Call: {
        const auto& call = static_cast<const CallExpr&>(expr);
        return withCalls && onlyOperations(*call.callee, withCalls) && all(call.args);
      }
      case ExprKind::MethodCall: {
        const auto& call = static_cast<const MethodCallExpr&>(expr);
        return withCalls && onlyOperations(*call.receiver, withCalls) && all(call.args);
      }
      default:
        return false;
    }
  }

  // The slot of `expr` if it is a local (below 4096) that nothing assigns
  // after its declaration: set_field_l may then read it after the value is
  // computed instead of before.
  static std::optional<uint32_t> unchangingLocal(const Expr& expr) {
    std::optional<uint32_t> slot = packableLocal(expr);
    if (!slot) return std::nullopt;
    const Binding* binding = static_cast<const NameExpr&>(expr).resolution.binding;
    if (binding == nullptr || binding->assigned) return std::nullopt;
    return slot;
  }

  void emitIf(const IfStmt& stmt) {
    Label end;
    for (std::size_t i = 0; i < stmt.branches.size(); ++i) {
      const IfBranch& branch = stmt.branches[i];
      Label next;
      emitExpr(*branch.condition);
      emitBranch(Op::JumpIfFalse, next);
      emitBlock(branch.body);
      if (i + 1 < stmt.branches.size() || stmt.hasElse) emitBranch(Op::Jump, end);
      bind(next);
    }
    if (stmt.hasElse) emitBlock(stmt.elseBody);
    bind(end);
  }

  static bool isTrueLiteral(const Expr& e) {
    return e.kind == ExprKind::Bool && static_cast<const BoolExpr&>(e).value;
  }

  void emitLoopBody(const Block& body, Label& exit, Label& next, std::size_t breakScope) {
    loops_.push_back(Loop{&exit, &next, breakScope, scopes_.size(), tryDepth_, code_.depth()});
    emitBlock(body);
    loops_.pop_back();
  }

  // The condition is tested before the first iteration and again at the
  // bottom of the body, which jumps back while it holds: one branch per
  // iteration instead of a test at the top plus a jump back to it.
  void emitWhile(const WhileStmt& loop) {
    Label body, next, exit;
    if (isTrueLiteral(*loop.condition)) {
      bind(body);
      emitLoopBody(loop.body, exit, body, scopes_.size());
      line_ = loop.pos.line;
      emitBranch(Op::Jump, body);
      bind(exit);
      return;
    }
    emitExpr(*loop.condition);
    emitBranch(Op::JumpIfFalse, exit);
    bind(body);
    emitLoopBody(loop.body, exit, next, scopes_.size());
    bind(next);
    line_ = loop.pos.line;
    if (!sink_.hasErrors()) {  // the condition's errors are reported once
      emitExpr(*loop.condition);
      emitBranch(Op::JumpIfTrue, body);
    }
    bind(exit);
  }

  // Each iteration gets a fresh cell for a captured loop variable.
  void closeLoopVariable(const Binding& variable) {
    if (variable.captured) emit(Op::CloseUpvals, variable.index);
  }

  // The loop counts in the variable's own slot, unless the body assigns the
  // variable: then a hidden counter runs the loop and each iteration copies
  // it into the variable, so an assignment changes only that iteration.
  void emitForRange(const ForRangeStmt& loop) {
    beginScope();
    std::size_t loopScope = scopes_.size() - 1;
    uint32_t counter = loop.variable.assigned ? loop.counterSlot : loop.variable.index;
    liveFrom("(for end)", loop.endSlot);
    if (counter != loop.variable.index) liveFrom("(for counter)", counter);
    emitExpr(*loop.low);
    line_ = loop.pos.line;
    declare(loop.variable, loop.name);
    emit(Op::SetLocal, counter);
    emitExpr(*loop.high);
    line_ = loop.pos.line;
    if (loop.inclusive) emit(Op::AddInt, 1);
    emit(Op::SetLocal, loop.endSlot);
    Label head, next, exit;
    bind(head);
    emit(Op::GetLocal, counter);
    emit(Op::GetLocal, loop.endSlot);
    emit(Op::Lt);
    emitBranch(Op::JumpIfFalse, exit);
    if (counter != loop.variable.index) {
      emit(Op::GetLocal, counter);
      emit(Op::SetLocal, loop.variable.index);
    }
    emitLoopBody(loop.body, exit, next, loopScope);
    bind(next);
    line_ = loop.pos.line;
    closeLoopVariable(loop.variable);
    emit(Op::GetLocal, counter);
    emit(Op::Int, 1);
    emit(Op::Add);
    emit(Op::SetLocal, counter);
    emitBranch(Op::Jump, head);
    bind(exit);
    endScope();
  }

  void emitForEach(const ForEachStmt& loop) {
    beginScope();
    std::size_t loopScope = scopes_.size() - 1;
    liveFrom("(for collection)", loop.stateSlot);
    liveFrom("(for position)", loop.stateSlot + 1);
    emitExpr(*loop.iterable);
    line_ = loop.pos.line;
    emit(Op::SetLocal, loop.stateSlot);
    emit(Op::Int, 0);
    emit(Op::SetLocal, loop.stateSlot + 1);
    declare(loop.variable, loop.name);
    Label head, next, exit;
    bind(head);
    emitBranch(Op::ForIter, exit, loop.stateSlot);
    emit(Op::SetLocal, loop.variable.index);
    emitLoopBody(loop.body, exit, next, loopScope);
    bind(next);
    line_ = loop.pos.line;
    closeLoopVariable(loop.variable);
    emitBranch(Op::Jump, head);
    bind(exit);
    endScope();
  }

  void emitLoopExit(bool isBreak) {
    const Loop& loop = loops_.back();
    uint32_t first = firstCapturedFrom(isBreak ? loop.breakScope : loop.continueScope);
    if (first != kNoSlot) emit(Op::CloseUpvals, first);
    for (uint32_t i = loop.tryDepth; i < tryDepth_; ++i) emit(Op::TryEnd);
    // Inside an expression (a block or `if` used as a value) the loop's
    // statement may be below temporaries of that expression.
    while (code_.reachable() && code_.depth() > loop.stackDepth) emit(Op::Pop);
    emitBranch(Op::Jump, isBreak ? *loop.breakLabel : *loop.continueLabel);
  }

  void emitTry(const TryStmt& stmt) {
    Label handler, end;
    emitBranch(Op::TryBegin, handler);
    uint32_t capturedBefore = capturedDeclarations_;
    ++tryDepth_;
    emitBlock(stmt.body);
    --tryDepth_;
    emit(Op::TryEnd);
    emitBranch(Op::Jump, end);
    bind(handler);
    line_ = stmt.handler.statements.empty() ? stmt.pos.line : stmt.handler.statements[0]->pos.line;
    // A raise may leave the try body with captured locals still open; their
    // slots are about to be reused.
    if (capturedDeclarations_ != capturedBefore) emit(Op::CloseUpvals, stmt.bodySlotBase);
    beginScope();
    if (stmt.hasCatchVariable) {
      declare(stmt.catchVariable, stmt.catchName);
      store(stmt.catchVariable);
    } else {
      emit(Op::Pop);
    }
    for (const StmtPtr& inner : stmt.handler.statements) emitStmt(*inner);
    line_ = stmt.handler.end.line;
    endScope();
    bind(end);
  }

  // ------------------------------------------------------------ expressions

  void emitName(const NameExpr& name) {
    const Resolution& r = name.resolution;
    switch (r.kind) {
      case Resolution::Kind::Local:
        emit(Op::GetLocal, r.index);
        return;
      case Resolution::Kind::Upvalue:
        emit(Op::GetUpval, r.index);
        return;
      case Resolution::Kind::Global:
        emit(Op::GetGlobal, r.index);
        return;
      case Resolution::Kind::Builtin:
        emit(Op::GetBuiltin, r.index);
        return;
      case Resolution::Kind::Unresolved:
        return;
    }
  }

  void emitExprs(const std::vector<ExprPtr>& list) {
    for (const ExprPtr& e : list) emitExpr(*e);
  }

  void emitExpr(const Expr& expr) {
    line_ = expr.pos.line;
    switch (expr.kind) {
      case ExprKind::Int:
        emitInt(static_cast<const IntExpr&>(expr).value);
        return;
      case ExprKind::Float:
        emit(Op::Const, constant(Constant::ofFloat(static_cast<const FloatExpr&>(expr).value)));
        return;
      case ExprKind::String:
        emit(Op::Const, stringConstant(static_cast<const StringExpr&>(expr).value));
        return;
      case ExprKind::Bool:
        emit(static_cast<const BoolExpr&>(expr).value ? Op::True : Op::False);
        return;
      case ExprKind::None:
        emit(Op::None);
        return;
      case ExprKind::Name:
        emitName(static_cast<const NameExpr&>(expr));
        return;
      case ExprKind::Unary: {
        const auto& unary = static_cast<const UnaryExpr&>(expr);
        emitExpr(*unary.operand);
        line_ = expr.pos.line;
        emit(unary.op == UnaryOp::Neg ? Op::Neg : unary.op == UnaryOp::Not ? Op::Not : Op::BitNot);
        return;
      }
      case ExprKind::Coalesce: {
        // [a] dup none jump_if_not_eq END; pop b END:
        const auto& coalesce = static_cast<const CoalesceExpr&>(expr);
        Label end;
        emitExpr(*coalesce.lhs);
        line_ = expr.pos.line;
        emit(Op::Dup);
        emit(Op::None);
        emitBranch(Op::JumpIfNotEq, end);
        emit(Op::Pop);
        emitExpr(*coalesce.rhs);
        bind(end);
        return;
      }
      case ExprKind::Block:
        emitBlockValue(static_cast<const BlockExpr&>(expr).block);
        return;
      case ExprKind::If:
        emitIfValue(*static_cast<const IfExpr&>(expr).stmt);
        return;
      case ExprKind::Match:
        emitMatch(static_cast<const MatchExpr&>(expr));
        return;
      case ExprKind::Variant: {
        const auto& variant = static_cast<const VariantExpr&>(expr);
        emitExprs(variant.args);
        line_ = expr.pos.line;
        emit(Op::BuildRecord, static_cast<uint32_t>(variant.type));
        return;
      }
      case ExprKind::Try:
        emitTryOperator(static_cast<const TryExpr&>(expr));
        return;
      case ExprKind::Binary: {
        const auto& binary = static_cast<const BinaryExpr&>(expr);
        emitExpr(*binary.lhs);
        emitExpr(*binary.rhs);
        line_ = expr.pos.line;
        emit(opFor(binary.op));
        return;
      }
      case ExprKind::Logical: {
        const auto& logical = static_cast<const LogicalExpr&>(expr);
        Label end;
        emitExpr(*logical.lhs);
        line_ = expr.pos.line;
        emitBranch(logical.isAnd ? Op::JumpIfFalseOrPop : Op::JumpIfTrueOrPop, end);
        emitExpr(*logical.rhs);
        bind(end);
        // Shape's `and` and `or` give a bool: `not; not` makes one of the
        // deciding operand. As a condition both fuse into the jump.
        emit(Op::Not);
        emit(Op::Not);
        return;
      }
      case ExprKind::Range: {  // outside `for`: the array of its ints
        const auto& range = static_cast<const RangeExpr&>(expr);
        emit(Op::GetGlobal, range.rangeMaker.index);
        emitExpr(*range.low);
        emitExpr(*range.high);
        line_ = expr.pos.line;
        if (range.inclusive) emit(Op::AddInt, 1);
        emit(Op::Call, 2);
        return;
      }
      case ExprKind::Call: {
        const auto& call = static_cast<const CallExpr&>(expr);
        emitExpr(*call.callee);
        emitExprs(call.args);
        line_ = expr.pos.line;
        emit(Op::Call, static_cast<uint32_t>(call.args.size()));
        return;
      }
      case ExprKind::MethodCall: {
        const auto& call = static_cast<const MethodCallExpr&>(expr);
        if (call.dispatcher.kind == Resolution::Kind::Global) {  // `impl`/`extend` methods
          emit(Op::GetGlobal, call.dispatcher.index);
          emitExpr(*call.receiver);
          emitExprs(call.args);
          line_ = expr.pos.line;
          emit(Op::Call, static_cast<uint32_t>(call.args.size() + 1));
          return;
        }
        uint32_t name = stringConstant(call.method);
        emitExpr(*call.receiver);
        emitExprs(call.args);
        line_ = expr.pos.line;
        emit(Op::CallMethod, static_cast<uint32_t>(call.args.size()), name);
        return;
      }
      case ExprKind::Field: {
        const auto& field = static_cast<const FieldExpr&>(expr);
        uint32_t name = stringConstant(field.field);
        emitExpr(*field.object);
        line_ = expr.pos.line;
        emit(Op::GetField, name);
        return;
      }
      case ExprKind::Index: {
        const auto& index = static_cast<const IndexExpr&>(expr);
        emitExpr(*index.object);
        emitExpr(*index.index);
        line_ = expr.pos.line;
        emit(Op::GetIndex);
        return;
      }
      case ExprKind::Array: {
        const auto& array = static_cast<const ArrayExpr&>(expr);
        emitExprs(array.elements);
        line_ = expr.pos.line;
        emit(Op::BuildArray, static_cast<uint32_t>(array.elements.size()));
        return;
      }
      case ExprKind::Map: {
        const auto& map = static_cast<const MapExpr&>(expr);
        for (std::size_t i = 0; i < map.keys.size(); ++i) {
          emitExpr(*map.keys[i]);
          emitExpr(*map.values[i]);
        }
        line_ = expr.pos.line;
        emit(Op::BuildMap, static_cast<uint32_t>(map.keys.size()));
        return;
      }
      case ExprKind::Record: {
        const auto& record = static_cast<const RecordExpr&>(expr);
        // The defaults are in field order: one cursor walks them.
        const std::vector<FieldDefault>& defaults = program_.types[record.type].defaults;
        auto nextDefault = defaults.begin();
        for (std::size_t field = 0; field < record.order.size(); ++field) {
          while (nextDefault != defaults.end() && nextDefault->field < field) ++nextDefault;
          int32_t valueIndex = record.order[field];
          if (valueIndex >= 0) {
            emitExpr(*record.values[valueIndex]);
          } else if (nextDefault != defaults.end() && nextDefault->field == field) {
            emitFieldDefault(*nextDefault);
          } else {
            emit(Op::None);
          }
        }
        line_ = expr.pos.line;
        emit(Op::BuildRecord, record.type);
        return;
      }
      case ExprKind::Function:
        emit(Op::Closure, static_cast<const FunctionExpr&>(expr).function->index);
        return;
    }
  }

  // ------------------------------------------------------------------ match
  //
  // The subject goes to a hidden local; each arm tests its pattern against
  // it, jumping to the next arm on the first failed test, then checks its
  // guard and leaves its body's value. Enum variants are tested by record
  // type (is_record), so an arm costs one dispatch plus its bindings.

  void emitMatch(const MatchExpr& match) {
    emitExpr(*match.subject);
    line_ = match.pos.line;
    // The subject's slot is free again after the match (not at the end of
    // the enclosing scope), so its debug entry ends here too.
    std::size_t subject = fn_.locals.size();
    fn_.locals.push_back(LocalInfo{"(match)", match.subjectSlot, here(), 0});
    emit(Op::SetLocal, match.subjectSlot);
    Label end;
    for (const MatchArm& arm : match.arms) {
      Label next;
      beginScope();
      emitPatternTest(*arm.pattern, match.subjectSlot, next);
      if (arm.guard) {
        emitExpr(*arm.guard);
        emitBranch(Op::JumpIfFalse, next);
      }
      emitExpr(*arm.body);
      uint32_t captured = scopes_.back().firstCaptured;
      endScope();
      emitBranch(Op::Jump, end);
      bind(next);
      // A failed test or guard leaves the arm with its cells still open.
      if (captured != kNoSlot) emit(Op::CloseUpvals, captured);
    }
    line_ = match.pos.line;
    emit(Op::GetLocal, match.subjectSlot);
    emit(Op::MatchError);
    bind(end);
    fn_.locals[subject].end = here();
  }

  // Tests `pattern` against local `slot`, jumping to `fail` if it does not
  // match, and stores the values of its variables.
  void emitPatternTest(const Pattern& pattern, uint32_t slot, Label& fail) {
    line_ = pattern.pos.line;
    switch (pattern.kind) {
      case PatternKind::Wildcard:
        return;
      case PatternKind::Literal:
        emit(Op::GetLocal, slot);
        emitExpr(*pattern.literal);
        emitBranch(Op::JumpIfNotEq, fail);
        return;
      case PatternKind::Binding:
        emit(Op::GetLocal, slot);
        declare(pattern.binding, pattern.name);
        store(pattern.binding);
        return;
      case PatternKind::Variant:
        emit(Op::GetLocal, slot);
        emit(Op::IsRecord, static_cast<uint32_t>(pattern.type));
        emitBranch(Op::JumpIfFalse, fail);
        for (std::size_t i = 0; i < pattern.elements.size(); ++i) {
          emitSubpattern(*pattern.elements[i], slot, stringConstant(std::to_string(i)), fail);
        }
        return;
      case PatternKind::Object:
        if (pattern.type >= 0) {
          emit(Op::GetLocal, slot);
          emit(Op::IsRecord, static_cast<uint32_t>(pattern.type));
          emitBranch(Op::JumpIfFalse, fail);
        }
        for (std::size_t i = 0; i < pattern.elements.size(); ++i) {
          uint32_t name = stringConstant(pattern.fields[i]);
          if (pattern.type < 0) {
            emit(Op::GetLocal, slot);
            emit(Op::HasField, name);
            emitBranch(Op::JumpIfFalse, fail);
          }
          emitSubpattern(*pattern.elements[i], slot, name, fail);
        }
        return;
      case PatternKind::Or: {
        Label matched;
        for (std::size_t i = 0; i + 1 < pattern.elements.size(); ++i) {
          Label tryNext;
          emitPatternTest(*pattern.elements[i], slot, tryNext);
          emitBranch(Op::Jump, matched);
          bind(tryNext);
        }
        emitPatternTest(*pattern.elements.back(), slot, fail);
        bind(matched);
        return;
      }
      case PatternKind::Array: {
        auto count = static_cast<uint32_t>(pattern.elements.size());
        emit(Op::GetLocal, slot);
        emit(pattern.hasRest ? Op::IsArrayMin : Op::IsArray, count);
        emitBranch(Op::JumpIfFalse, fail);
        for (uint32_t i = 0; i < count; ++i) {
          const Pattern& element = *pattern.elements[i];
          if (element.kind == PatternKind::Wildcard) continue;
          emit(Op::GetLocal, slot);
          emitInt(i);
          emit(Op::GetIndex);
          emitStoredSubpattern(element, fail);
        }
        if (pattern.restBinds) {
          emit(Op::GetLocal, slot);
          emitInt(count);
          emit(Op::GetLocal, slot);
          emit(Op::CallMethod, 0, stringConstant("length"));
          emit(Op::CallMethod, 2, stringConstant("slice"));
          declare(pattern.binding, pattern.name);
          store(pattern.binding);
        }
        return;
      }
    }
  }

  // Tests field `name` of the record or map in local `slot`.
  void emitSubpattern(const Pattern& element, uint32_t slot, uint32_t name, Label& fail) {
    if (element.kind == PatternKind::Wildcard) return;
    emit(Op::GetLocal, slot);
    emit(Op::GetField, name);
    emitStoredSubpattern(element, fail);
  }

  // Tests the value on top of the stack (and pops it).
  void emitStoredSubpattern(const Pattern& element, Label& fail) {
    switch (element.kind) {
      case PatternKind::Binding:
        declare(element.binding, element.name);
        store(element.binding);
        return;
      case PatternKind::Literal:
        emitExpr(*element.literal);
        emitBranch(Op::JumpIfNotEq, fail);
        return;
      default:
        liveFrom("(pattern)", element.slot);
        emit(Op::SetLocal, element.slot);
        emitPatternTest(element, element.slot, fail);
        return;
    }
  }

  // `e?` (see TryExpr):
  //   [v] dup none jump_if_eq LEAVE; dup is_record Err jump_if_true LEAVE
  //       dup is_record Ok jump_if_true UNWRAP; dup is_record Some jump_if_false DONE
  //   UNWRAP: get_field "0"; jump DONE
  //   LEAVE: return
  //   DONE:
  void emitTryOperator(const TryExpr& expr) {
    emitExpr(*expr.value);
    line_ = expr.pos.line;
    Label leave, unwrap, done;
    emit(Op::Dup);
    emit(Op::None);
    emitBranch(Op::JumpIfEq, leave);
    emitTypeTest(preludeType("Err"), Op::JumpIfTrue, leave);
    emitTypeTest(preludeType("Ok"), Op::JumpIfTrue, unwrap);
    emitTypeTest(preludeType("Some"), Op::JumpIfFalse, done);
    bind(unwrap);
    emit(Op::GetField, stringConstant("0"));
    emitBranch(Op::Jump, done);
    bind(leave);
    emit(Op::Return);
    bind(done);
  }

  void emitTypeTest(uint32_t type, Op branch, Label& target) {
    emit(Op::Dup);
    emit(Op::IsRecord, type);
    emitBranch(branch, target);
  }

  uint32_t preludeType(const std::string& name) const {
    for (std::size_t i = 0; i < program_.types.size(); ++i) {
      if (program_.types[i].name == name) return static_cast<uint32_t>(i);
    }
    return 0;  // the parser declares the prelude variants wherever `?` is used
  }

  const Program& program_;
  Function& fn_;
  DiagnosticSink& sink_;
  BytecodeBuilder code_;
  uint32_t line_ = 0;
  uint32_t tryDepth_ = 0;
  uint32_t capturedDeclarations_ = 0;
  std::vector<Scope> scopes_;
  std::vector<Loop> loops_;
  std::vector<std::size_t> openStatements_;  // fn_.statements entries being emitted
  std::map<std::tuple<uint8_t, uint64_t, std::string>, uint32_t> constants_;
};

}  // namespace

void emitProgram(const ParsedProgram& parsed, Program& out, DiagnosticSink& sink) {
  out.functions.clear();
  out.functions.resize(parsed.functions.size() + 1);
  out.entry = 0;
  FunctionEmitter(out, out.functions[0], sink).emitMain(parsed);
  for (const auto& node : parsed.functions) {
    FunctionEmitter(out, out.functions[node->index], sink).emitFunction(*node);
  }
}

}  // namespace shapevm
