// Bytecode generation (see emitter.h for the invariants it keeps).
//
// Jumps go to Labels. A forward jump records its site and is patched when the
// label is bound; a label also records the stack depth jumps bring to it, which
// becomes the current depth when code resumes there after an unconditional
// transfer. `reachable_` is false after such a transfer, and emit() drops
// instructions until a targeted label is bound.
#include "compiler/emitter.h"

#include <cstring>
#include <map>
#include <tuple>

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
  }
  return Op::Add;
}

struct Label {
  int64_t target = -1;  // word offset once bound
  int64_t depth = -1;   // stack depth on arrival, once known
  struct Site {
    uint32_t word;
    bool wholeWord;  // the B word of a two-word instruction, else operand A
  };
  std::vector<Site> sites;
};

class FunctionEmitter {
 public:
  FunctionEmitter(const Program& program, Function& fn, DiagnosticSink& sink)
      : program_(program), fn_(fn), sink_(sink) {}

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
    line_ = node.pos.line;
    if (node.expressionBody) {
      emitExpr(*node.expressionBody);
      emit(Op::Return);
    } else {
      for (const StmtPtr& stmt : node.body.statements) emitStmt(*stmt);
      line_ = node.body.end.line;
      emit(Op::None);
      emit(Op::Return);
    }
    finish();
  }

 private:
  struct Scope {
    uint32_t firstCaptured = kNoSlot;
  };

  struct Loop {
    Label* breakLabel;
    Label* continueLabel;
    std::size_t breakScope;     // first scope a break leaves
    std::size_t continueScope;  // first scope a continue leaves
    uint32_t tryDepth;
  };

  void finish() { fn_.maxStack = static_cast<uint32_t>(maxDepth_); }

  void error(uint32_t line, const std::string& message) { sink_.error(line, 0, message); }

  uint32_t here() const { return static_cast<uint32_t>(fn_.code.size()); }

  // ------------------------------------------------------------ instructions

  int64_t popsOf(Op op, uint32_t a) const {
    int pops = opInfo(op).pops;
    switch (pops) {
      case kPopsArgs:
        return int64_t{a} + 1;
      case kPopsCount:
        return a;
      case kPopsPairs:
        return int64_t{a} * 2;
      case kPopsFields:
        return static_cast<int64_t>(program_.types[a].fields.size());
      default:
        return pops;
    }
  }

  void markLine() {
    if (!fn_.lines.empty() && fn_.lines.back().offset == here()) {
      fn_.lines.back().line = line_;  // a fused instruction takes its second half's line
      return;
    }
    if (fn_.lines.empty() || fn_.lines.back().line != line_) {
      fn_.lines.push_back(LineEntry{here(), line_});
    }
  }

  bool checkOperand(uint32_t a) {
    if (a <= kMaxOperandA) return true;
    error(line_, "program too large: an operand exceeds " + std::to_string(kMaxOperandA));
    return false;
  }

  // Emits one instruction (two words if its format has B) and applies its
  // stack effect for the fall-through path.
  void emit(Op op, uint32_t a = 0, uint32_t b = 0) {
    if (!reachable_ || !checkOperand(a)) return;
    fuseWithPrevious(op, a);
    markLine();
    lastStart_ = here();
    fn_.code.push_back(makeInstr(op, a));
    if (instrWords(op) == 2) fn_.code.push_back(b);
    const OpInfo& info = opInfo(op);
    depth_ -= popsOf(op, a);
    depth_ += info.pushes;
    maxDepth_ = std::max(maxDepth_, depth_);
    if (info.flags & kNoFallthrough) reachable_ = false;
  }

  // Fusion: a few common instruction pairs become one superinstruction
  // (opcodes.h), so hot loops dispatch less: `int k; add` -> `add_int k`,
  // `int k; sub` -> `sub_int k`, `lt; jump_if_false L` -> `jump_if_not_lt L`
  // (and the other comparisons). The pair is fused only when it is one
  // straight-line sequence: no label is bound between its two instructions.
  // On return, `op`/`a` are what to emit and the first instruction is gone.
  void fuseWithPrevious(Op& op, uint32_t& a) {
    if (fn_.code.empty() || lastStart_ + 1 != here() || boundAt_ == here()) return;
    Op previous = instrOp(fn_.code.back());
    Op fused;
    uint32_t operand = a;
    if ((op == Op::Add || op == Op::Sub) && previous == Op::Int) {
      fused = op == Op::Add ? Op::AddInt : Op::SubInt;
      operand = instrA(fn_.code.back());
    } else if (op == Op::JumpIfFalse) {
      switch (previous) {
        case Op::Eq:
          fused = Op::JumpIfNotEq;
          break;
        case Op::Ne:
          fused = Op::JumpIfNotNe;
          break;
        case Op::Lt:
          fused = Op::JumpIfNotLt;
          break;
        case Op::Le:
          fused = Op::JumpIfNotLe;
          break;
        case Op::Gt:
          fused = Op::JumpIfNotGt;
          break;
        case Op::Ge:
          fused = Op::JumpIfNotGe;
          break;
        default:
          return;
      }
    } else {
      return;
    }
    // Undo the first instruction (its word and stack effect); its line entry,
    // if it started one, now covers the fused instruction.
    fn_.code.pop_back();
    depth_ += popsOf(previous, 0) - opInfo(previous).pushes;
    op = fused;
    a = operand;
  }

  void emitInt(int64_t value) {
    if (value >= kMinImmediate && value <= kMaxImmediate) {
      emit(Op::Int, static_cast<uint32_t>(value) & kMaxOperandA);
    } else {
      emit(Op::Const, constant(Constant::ofInt(value)));
    }
  }

  uint32_t constant(const Constant& c) {
    uint64_t bits = 0;
    if (c.kind == ConstantKind::Int) bits = static_cast<uint64_t>(c.intValue);
    if (c.kind == ConstantKind::Float) std::memcpy(&bits, &c.floatValue, sizeof bits);
    auto key = std::make_tuple(static_cast<uint8_t>(c.kind), bits, c.stringValue);
    auto found = constants_.find(key);
    if (found != constants_.end()) return found->second;
    uint32_t index = static_cast<uint32_t>(fn_.constants.size());
    fn_.constants.push_back(c);
    constants_.emplace(std::move(key), index);
    return index;
  }

  uint32_t stringConstant(const std::string& text) { return constant(Constant::ofString(text)); }

  // A jump (or try / for_iter) to `label`; `branchDepth` is the stack depth
  // when the branch is taken.
  void emitBranch(Op op, Label& label, uint32_t a = 0) {
    if (!reachable_) return;
    int64_t branchDepth = depth_;
    Operand format = opInfo(op).operand;
    if (op == Op::TryBegin) {
      branchDepth = depth_ + 1;  // the handler starts with the raised value
    } else if (!(opInfo(op).flags & kKeepOnBranch) && op != Op::ForIter) {
      branchDepth = depth_ - opInfo(op).pops;
    }
    if (label.depth < 0) label.depth = branchDepth;
    uint32_t target = label.target >= 0 ? static_cast<uint32_t>(label.target) : 0;
    if (format == Operand::Iter) {
      emit(op, a, target);
      if (label.target < 0) label.sites.push_back({lastStart_ + 1, true});
    } else {
      emit(op, target);  // may fuse with the previous instruction: the site is lastStart_
      if (label.target < 0) label.sites.push_back({lastStart_, false});
    }
  }

  void bind(Label& label) {
    label.target = here();
    boundAt_ = here();
    for (const Label::Site& site : label.sites) {
      Instr& word = fn_.code[site.word];
      word = site.wholeWord ? here() : makeInstr(instrOp(word), here());
    }
    if (!reachable_ && !label.sites.empty()) {
      reachable_ = true;
      depth_ = label.depth;
      maxDepth_ = std::max(maxDepth_, depth_);  // a catch block starts one value deeper
    }
    if (reachable_ && label.depth < 0) label.depth = depth_;
    label.sites.clear();
  }

  // ----------------------------------------------------------------- scopes

  void beginScope() { scopes_.emplace_back(); }

  void endScope() {
    uint32_t first = scopes_.back().firstCaptured;
    scopes_.pop_back();
    if (first != kNoSlot) emit(Op::CloseUpvals, first);
  }

  // Registers a local declared in the current scope (for closing its cell).
  void declare(const Binding& binding) {
    if (binding.kind != Binding::Kind::Local || !binding.captured) return;
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

  // ------------------------------------------------------------- statements

  void emitStmt(const Stmt& stmt) {
    line_ = stmt.pos.line;
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
        declare(decl.binding);
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
        declare(fn->binding);
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
    loops_.push_back(Loop{&exit, &next, breakScope, scopes_.size(), tryDepth_});
    emitBlock(body);
    loops_.pop_back();
  }

  void emitWhile(const WhileStmt& loop) {
    Label head, exit;
    bind(head);
    if (!isTrueLiteral(*loop.condition)) {
      emitExpr(*loop.condition);
      emitBranch(Op::JumpIfFalse, exit);
    }
    emitLoopBody(loop.body, exit, head, scopes_.size());
    line_ = loop.pos.line;
    emitBranch(Op::Jump, head);
    bind(exit);
  }

  // Each iteration gets a fresh cell for a captured loop variable.
  void closeLoopVariable(const Binding& variable) {
    if (variable.captured) emit(Op::CloseUpvals, variable.index);
  }

  void emitForRange(const ForRangeStmt& loop) {
    beginScope();
    std::size_t loopScope = scopes_.size() - 1;
    emitExpr(*loop.low);
    line_ = loop.pos.line;
    declare(loop.variable);
    emit(Op::SetLocal, loop.variable.index);
    emitExpr(*loop.high);
    line_ = loop.pos.line;
    emit(Op::SetLocal, loop.endSlot);
    Label head, next, exit;
    bind(head);
    emit(Op::GetLocal, loop.variable.index);
    emit(Op::GetLocal, loop.endSlot);
    emit(Op::Lt);
    emitBranch(Op::JumpIfFalse, exit);
    emitLoopBody(loop.body, exit, next, loopScope);
    bind(next);
    line_ = loop.pos.line;
    closeLoopVariable(loop.variable);
    emit(Op::GetLocal, loop.variable.index);
    emit(Op::Int, 1);
    emit(Op::Add);
    emit(Op::SetLocal, loop.variable.index);
    emitBranch(Op::Jump, head);
    bind(exit);
    endScope();
  }

  void emitForEach(const ForEachStmt& loop) {
    beginScope();
    std::size_t loopScope = scopes_.size() - 1;
    emitExpr(*loop.iterable);
    line_ = loop.pos.line;
    emit(Op::SetLocal, loop.stateSlot);
    emit(Op::Int, 0);
    emit(Op::SetLocal, loop.stateSlot + 1);
    declare(loop.variable);
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
      declare(stmt.catchVariable);
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
        emit(unary.op == UnaryOp::Neg ? Op::Neg : Op::Not);
        return;
      }
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
        return;
      }
      case ExprKind::Range:
        return;  // rejected by the resolver outside `for`
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
        for (int32_t valueIndex : record.order) {
          if (valueIndex < 0) {
            emit(Op::None);
          } else {
            emitExpr(*record.values[valueIndex]);
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

  const Program& program_;
  Function& fn_;
  DiagnosticSink& sink_;
  uint32_t line_ = 0;
  int64_t depth_ = 0;
  int64_t maxDepth_ = 0;
  bool reachable_ = true;
  uint32_t lastStart_ = UINT32_MAX;  // offset of the last instruction emitted
  uint32_t boundAt_ = UINT32_MAX;    // offset the last label was bound at
  uint32_t tryDepth_ = 0;
  uint32_t capturedDeclarations_ = 0;
  std::vector<Scope> scopes_;
  std::vector<Loop> loops_;
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
