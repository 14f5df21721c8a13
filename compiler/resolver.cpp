// Name resolution and static checks (see resolver.h). One walk over the tree in
// source order; a depth counter bounds the walk (lambdas nest the walk into
// their bodies) so no input can exhaust the C++ stack.
//
// Files: a module's top-level functions and variables are globals named
// `module::name` (the main file's have no prefix). A name in a file is looked
// up among its locals, then its own top-level names, then the names it
// imports with `from .. use`; `m.f` in the source is already the qualified
// name `module::f` (parser), which must be public unless it is the file's own.
#include "compiler/resolver.h"

#include <algorithm>
#include <unordered_map>

#include "bytecode/builtin_names.h"
#include "compiler/method_dispatch.h"

namespace shapevm {

namespace {

// Deepest walk accepted: statements and expressions each nest up to
// kMaxNesting, and lambdas continue the walk into their bodies.
constexpr uint32_t kMaxWalkDepth = 2 * kMaxNesting + 100;

struct VarFlags {
  bool isConst = false;
  bool isFunction = false;
  bool isReferenceParam = false;  // `&name` without a default (see Param::reference)
};

struct LocalVar {
  std::string name;
  uint32_t slot;
  uint32_t depth;
  VarFlags flags;
  Binding* binding;
};

// Lookups go through hash maps so that functions with tens of thousands of
// locals or captures (generated code) still resolve in linear time.
struct FunctionScope {
  FunctionScope* enclosing = nullptr;
  std::vector<Capture>* captures = nullptr;
  std::vector<VarFlags> captureFlags;
  std::unordered_map<uint64_t, uint32_t> captureIndex;  // (fromLocal, index) -> capture
  std::vector<LocalVar> locals;
  std::unordered_map<std::string, std::vector<uint32_t>> visible;  // name -> indices in locals
  uint32_t blockDepth = 0;
  uint32_t nextSlot = 0;
  uint32_t maxSlots = 0;
  uint32_t loopDepth = 0;
  bool isMain = false;
};

struct GlobalInfo {
  uint32_t index;
  VarFlags flags;
};

class Resolver {
 public:
  Resolver(ParsedProgram& parsed, Program& out, DiagnosticSink& sink)
      : parsed_(parsed), out_(out), sink_(sink) {}

  void run() {
    for (const TypeInfo& type : parsed_.types)
      out_.types.push_back(TypeDecl{type.name, type.fields, type.defaults});
    for (std::size_t i = 0; i < parsed_.functions.size(); ++i) {
      parsed_.functions[i]->index = static_cast<uint32_t>(i + 1);  // <main> is 0
    }
    for (std::size_t i = 0; i < parsed_.files.size(); ++i) {
      moduleFiles_[parsed_.files[i].module] = static_cast<uint32_t>(i);
    }
    declareGlobals();
    importNames_.resize(parsed_.files.size());
    for (std::size_t i = 0; i < parsed_.files.size(); ++i) bindImports(static_cast<uint32_t>(i));
    FunctionScope main;
    main.isMain = true;
    scope_ = &main;
    for (StmtPtr& stmt : parsed_.statements) {
      currentFile_ = fileOfLine(stmt->pos.line);
      resolveStmt(*stmt);
    }
    parsed_.mainLocals = main.maxSlots;
    scope_ = nullptr;
  }

 private:
  // Counts the walk's depth; refuses (once, with an error) past the limit.
  class DepthGuard {
   public:
    DepthGuard(Resolver& r, SourcePos pos) : r_(r) {
      if (++r_.depth_ > kMaxWalkDepth && !r_.reportedDepth_) {
        r_.reportedDepth_ = true;
        r_.error(pos, "program nested too deeply");
      }
    }
    ~DepthGuard() { --r_.depth_; }
    bool tooDeep() const { return r_.depth_ > kMaxWalkDepth; }

   private:
    Resolver& r_;
  };

  void error(SourcePos pos, const std::string& message) {
    sink_.error(pos.line, pos.column, message);
  }

  // The file holding shared line number `line` (see SourceFileInfo).
  uint32_t fileOfLine(uint32_t line) const {
    for (std::size_t i = 0; i < parsed_.files.size(); ++i) {
      if (parsed_.files[i].contains(line)) return static_cast<uint32_t>(i);
    }
    return static_cast<uint32_t>(parsed_.files.size() - 1);  // generated code: the main file
  }

  void declareGlobals() {
    for (StmtPtr& stmt : parsed_.statements) {
      if (stmt->kind == StmtKind::VarDecl) {
        auto& decl = static_cast<VarDeclStmt&>(*stmt);
        VarFlags flags{decl.varKind == VarKind::Const, false};
        std::string name = decl.name;  // hidden variables (`<destructured1>`) are unique already
        if (name[0] != '<') name = parsed_.files[fileOfLine(decl.pos.line)].prefix() + name;
        if (addGlobal(name, decl.pos, flags, -1)) {
          decl.binding = {Binding::Kind::Global, globals_.at(name).index, false};
        }
      } else if (stmt->kind == StmtKind::Function) {
        FunctionNode* fn = static_cast<FunctionStmt&>(*stmt).function;
        if (addGlobal(fn->name, fn->pos, VarFlags{true, true}, static_cast<int32_t>(fn->index))) {
          fn->binding = {Binding::Kind::Global, globals_.at(fn->name).index, false};
        }
      }
    }
  }

  bool addGlobal(const std::string& name, SourcePos pos, VarFlags flags, int32_t function) {
    if (globals_.count(name)) {
      std::size_t separator = name.rfind("::");
      bool inModule =
          separator != std::string::npos && moduleFiles_.count(name.substr(0, separator));
      error(pos, "'" + (inModule ? name.substr(separator + 2) : name) +
                     "' is already declared at the top level");
      return false;
    }
    globals_[name] = GlobalInfo{static_cast<uint32_t>(out_.globals.size()), flags};
    out_.globals.push_back(GlobalDecl{name, function});
    return true;
  }

  // ---------------------------------------------------------------- imports

  // Binds the names file `fileIndex` imports with `from .. use` and checks
  // them and its `use` imports against its own top-level names.
  void bindImports(uint32_t fileIndex) {
    const SourceFileInfo& file = parsed_.files[fileIndex];
    std::unordered_map<std::string, uint32_t> moduleAliases;
    auto declaredHere = [&](const std::string& name) {
      return globals_.count(file.prefix() + name) != 0;
    };
    for (const ImportDecl& import : file.imports) {
      const SourceFileInfo& module = parsed_.files[import.file];
      if (!import.named) {
        auto [known, added] = moduleAliases.emplace(import.alias, import.file);
        if (!added && known->second != import.file) {
          error(import.pathPos, "'" + import.alias + "' already names another module");
        } else if (declaredHere(import.alias)) {
          error(import.pathPos,
                "'" + import.alias + "' names a module and is also declared in this file");
        }
        continue;
      }
      for (const ImportName& name : import.names) {
        std::string qualified = module.prefix() + name.name;
        bool isValue = globals_.count(qualified) != 0;
        bool isType = contains(module.typeNames, name.name);
        if (!isValue && !isType) {
          error(name.pos, "module '" + module.module + "' has no '" + name.name + "'");
        } else if (isValue && !contains(module.publicNames, name.name)) {
          error(name.pos, "'" + name.name + "' is not public in module '" + module.module +
                              "' (declare it with pub)");
        } else if (importNames_[fileIndex].count(name.alias)) {
          error(name.pos, "'" + name.alias + "' is imported twice");
        } else if (declaredHere(name.alias)) {
          error(name.pos, "'" + name.alias + "' is imported and also declared in this file");
        } else if (isValue) {
          importNames_[fileIndex][name.alias] = qualified;
        }
      }
    }
  }

  static bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  }

  // Reports a use of `module::name` from another file when the module does
  // not declare `name` public.
  bool checkModuleMember(SourcePos pos, const std::string& qualified) {
    std::size_t separator = qualified.rfind("::");
    if (separator == std::string::npos) return true;
    auto module = moduleFiles_.find(qualified.substr(0, separator));
    if (module == moduleFiles_.end() || module->second == currentFile_) return true;
    const SourceFileInfo& file = parsed_.files[module->second];
    std::string name = qualified.substr(separator + 2);
    if (!globals_.count(qualified)) {
      error(pos, "module '" + file.module + "' has no '" + name + "'");
      return false;
    }
    if (!contains(file.publicNames, name)) {
      error(pos,
            "'" + name + "' is not public in module '" + file.module + "' (declare it with pub)");
      return false;
    }
    return true;
  }

  // ----------------------------------------------------------------- scopes

  bool atGlobalLevel() const { return scope_->isMain && scope_->blockDepth == 0; }

  void beginScope() { ++scope_->blockDepth; }

  void endScope(uint32_t savedNextSlot) {
    auto& locals = scope_->locals;
    while (!locals.empty() && locals.back().depth == scope_->blockDepth) {
      auto entry = scope_->visible.find(locals.back().name);
      entry->second.pop_back();
      if (entry->second.empty()) scope_->visible.erase(entry);
      locals.pop_back();
    }
    --scope_->blockDepth;
    scope_->nextSlot = savedNextSlot;
  }

  uint32_t allocateSlot(SourcePos pos) {
    uint32_t slot = scope_->nextSlot++;
    if (scope_->nextSlot == kMaxLocals + 1) {
      error(pos, "too many local variables in one function");
    }
    scope_->maxSlots = std::max(scope_->maxSlots, scope_->nextSlot);
    return slot;
  }

  void declareLocal(const std::string& name, SourcePos pos, VarFlags flags, Binding& binding) {
    LocalVar* existing = findLocal(scope_, name);
    if (existing != nullptr && existing->depth == scope_->blockDepth) {
      error(pos, "'" + name + "' is already declared in this scope");
    }
    binding = {Binding::Kind::Local, allocateSlot(pos), false};
    scope_->visible[name].push_back(static_cast<uint32_t>(scope_->locals.size()));
    scope_->locals.push_back(LocalVar{name, binding.index, scope_->blockDepth, flags, &binding});
  }

  // ------------------------------------------------------------------ names

  struct Lookup {
    Resolution resolution;
    VarFlags flags;
  };

  // The innermost visible local called `name`, or nullptr.
  static LocalVar* findLocal(FunctionScope* scope, const std::string& name) {
    auto entry = scope->visible.find(name);
    return entry == scope->visible.end() ? nullptr : &scope->locals[entry->second.back()];
  }

  // Index of `name` among `scope`'s captures, adding it if an enclosing
  // function has it; -1 if no enclosing function does.
  int32_t resolveUpvalue(FunctionScope* scope, const std::string& name) {
    FunctionScope* outer = scope->enclosing;
    if (outer == nullptr) return -1;
    if (LocalVar* local = findLocal(outer, name)) {
      local->binding->captured = true;
      return addCapture(scope, true, local->slot, name, local->flags);
    }
    int32_t outerIndex = resolveUpvalue(outer, name);
    if (outerIndex < 0) return -1;
    return addCapture(scope, false, static_cast<uint32_t>(outerIndex), name,
                      outer->captureFlags[outerIndex]);
  }

  int32_t addCapture(FunctionScope* scope, bool fromLocal, uint32_t index, const std::string& name,
                     VarFlags flags) {
    std::vector<Capture>& captures = *scope->captures;
    uint64_t key = (uint64_t{fromLocal} << 32) | index;
    auto [entry, added] = scope->captureIndex.emplace(key, static_cast<uint32_t>(captures.size()));
    if (added) {
      captures.push_back(Capture{fromLocal, index, name});
      scope->captureFlags.push_back(flags);
    }
    return static_cast<int32_t>(entry->second);
  }

  bool lookup(const std::string& name, Lookup& found) {
    if (const LocalVar* local = findLocal(scope_, name)) {
      found = {{Resolution::Kind::Local, local->slot, local->binding}, local->flags};
      return true;
    }
    int32_t upvalue = resolveUpvalue(scope_, name);
    if (upvalue >= 0) {
      found = {{Resolution::Kind::Upvalue, static_cast<uint32_t>(upvalue)},
               scope_->captureFlags[upvalue]};
      return true;
    }
    if (const GlobalInfo* global = findGlobal(name)) {
      found = {{Resolution::Kind::Global, global->index}, global->flags};
      return true;
    }
    int builtin = findBuiltin(name);
    if (builtin >= 0) {
      found = {{Resolution::Kind::Builtin, static_cast<uint32_t>(builtin)}, {true, true}};
      return true;
    }
    return false;
  }

  // The global `name` names in the current file: its own top-level name,
  // an imported one, or a qualified or generated name (`m::f`, `<range>`).
  const GlobalInfo* findGlobal(const std::string& name) const {
    const SourceFileInfo& file = parsed_.files[currentFile_];
    auto global = globals_.find(file.prefix() + name);
    if (global == globals_.end()) {
      auto imported = importNames_[currentFile_].find(name);
      if (imported != importNames_[currentFile_].end()) global = globals_.find(imported->second);
    }
    if (global == globals_.end() && (name[0] == '<' || name.find("::") != std::string::npos)) {
      global = globals_.find(name);
    }
    return global == globals_.end() ? nullptr : &global->second;
  }

  bool isModuleAlias(const std::string& name) const {
    for (const ImportDecl& import : parsed_.files[currentFile_].imports) {
      if (!import.named && import.alias == name) return true;
    }
    return false;
  }

  void resolveRead(NameExpr& expr) {
    if (!checkModuleMember(expr.pos, expr.name)) return;
    Lookup found;
    if (!lookup(expr.name, found)) {
      error(expr.pos,
            isModuleAlias(expr.name)
                ? "'" + expr.name + "' is a module: name its members as " + expr.name + ".NAME"
                : "'" + expr.name + "' is not declared");
      return;
    }
    expr.resolution = found.resolution;
  }

  // Marks the local `name` resolves to, in this function or an enclosing one,
  // as assigned.
  void markAssigned(const std::string& name) {
    for (FunctionScope* scope = scope_; scope != nullptr; scope = scope->enclosing) {
      if (LocalVar* local = findLocal(scope, name)) {
        local->binding->assigned = true;
        return;
      }
    }
  }

  void resolveAssignTarget(NameExpr& expr) {
    if (!checkModuleMember(expr.pos, expr.name)) return;
    markAssigned(expr.name);
    Lookup found;
    if (!lookup(expr.name, found)) {
      error(expr.pos, "cannot assign to undeclared variable '" + expr.name +
                          "' (declare it with let or var)");
      return;
    }
    expr.resolution = found.resolution;
    if (found.resolution.kind == Resolution::Kind::Builtin) {
      error(expr.pos, "cannot assign to built-in function '" + expr.name + "'");
    } else if (found.flags.isFunction) {
      error(expr.pos, "cannot assign to function '" + expr.name + "'");
    } else if (found.flags.isConst) {
      error(expr.pos, "cannot assign to const '" + expr.name + "'");
    } else if (found.flags.isReferenceParam) {
      error(expr.pos, "cannot assign to reference parameter '" + expr.name +
                          "': the caller's variable would not change (return the new value)");
    }
  }

  // ------------------------------------------------------------- statements

  void resolveBlock(Block& block) {
    uint32_t saved = scope_->nextSlot;
    beginScope();
    for (StmtPtr& stmt : block.statements) resolveStmt(*stmt);
    endScope(saved);
  }

  void resolveLoopBody(Block& body) {
    ++scope_->loopDepth;
    resolveBlock(body);
    --scope_->loopDepth;
  }

  void resolveStmt(Stmt& stmt) {
    DepthGuard guard(*this, stmt.pos);
    if (guard.tooDeep()) return;
    switch (stmt.kind) {
      case StmtKind::Expr:
        resolveExpr(*static_cast<ExprStmt&>(stmt).expr);
        return;
      case StmtKind::VarDecl: {
        auto& decl = static_cast<VarDeclStmt&>(stmt);
        if (decl.init) resolveExpr(*decl.init);
        if (!atGlobalLevel()) {
          declareLocal(decl.name, decl.pos, VarFlags{decl.varKind == VarKind::Const, false},
                       decl.binding);
        }
        return;
      }
      case StmtKind::Assign: {
        auto& assign = static_cast<AssignStmt&>(stmt);
        Expr& target = *assign.target;
        if (target.kind == ExprKind::Name) {
          resolveAssignTarget(static_cast<NameExpr&>(target));
        } else if (target.kind == ExprKind::Index) {
          auto& index = static_cast<IndexExpr&>(target);
          resolveExpr(*index.object);
          resolveExpr(*index.index);
        } else {
          resolveExpr(*static_cast<FieldExpr&>(target).object);
        }
        resolveExpr(*assign.value);
        return;
      }
      case StmtKind::If: {
        auto& ifStmt = static_cast<IfStmt&>(stmt);
        for (IfBranch& branch : ifStmt.branches) {
          resolveExpr(*branch.condition);
          resolveBlock(branch.body);
        }
        if (ifStmt.hasElse) resolveBlock(ifStmt.elseBody);
        return;
      }
      case StmtKind::While: {
        auto& loop = static_cast<WhileStmt&>(stmt);
        resolveExpr(*loop.condition);
        resolveLoopBody(loop.body);
        return;
      }
      case StmtKind::ForRange: {
        auto& loop = static_cast<ForRangeStmt&>(stmt);
        resolveExpr(*loop.low);
        resolveExpr(*loop.high);
        uint32_t saved = scope_->nextSlot;
        beginScope();
        loop.endSlot = allocateSlot(loop.pos);
        loop.counterSlot = allocateSlot(loop.pos);
        declareLocal(loop.name, loop.namePos, {}, loop.variable);
        resolveLoopBody(loop.body);
        endScope(saved);
        return;
      }
      case StmtKind::ForEach: {
        auto& loop = static_cast<ForEachStmt&>(stmt);
        resolveExpr(*loop.iterable);
        uint32_t saved = scope_->nextSlot;
        beginScope();
        loop.stateSlot = allocateSlot(loop.pos);
        allocateSlot(loop.pos);
        declareLocal(loop.name, loop.namePos, {}, loop.variable);
        resolveLoopBody(loop.body);
        endScope(saved);
        return;
      }
      case StmtKind::Break:
      case StmtKind::Continue:
        if (scope_->loopDepth == 0) {
          error(stmt.pos, std::string(stmt.kind == StmtKind::Break ? "'break'" : "'continue'") +
                              " outside a loop");
        }
        return;
      case StmtKind::Return: {
        auto& ret = static_cast<ReturnStmt&>(stmt);
        if (scope_->isMain) error(stmt.pos, "'return' outside a function");
        if (ret.value) resolveExpr(*ret.value);
        return;
      }
      case StmtKind::Throw:
        resolveExpr(*static_cast<ThrowStmt&>(stmt).value);
        return;
      case StmtKind::Try: {
        auto& tryStmt = static_cast<TryStmt&>(stmt);
        tryStmt.bodySlotBase = scope_->nextSlot;
        resolveBlock(tryStmt.body);
        uint32_t saved = scope_->nextSlot;
        beginScope();
        if (tryStmt.hasCatchVariable) {
          declareLocal(tryStmt.catchName, tryStmt.catchPos, {}, tryStmt.catchVariable);
        }
        for (StmtPtr& inner : tryStmt.handler.statements) resolveStmt(*inner);
        endScope(saved);
        return;
      }
      case StmtKind::Function: {
        FunctionNode* fn = static_cast<FunctionStmt&>(stmt).function;
        if (fn->topLevel) {
          resolveFunction(*fn, nullptr);
        } else {
          declareLocal(fn->name, fn->pos, VarFlags{true, true}, fn->binding);
          resolveFunction(*fn, scope_);
        }
        return;
      }
      case StmtKind::Block:
        resolveBlock(static_cast<BlockStmt&>(stmt).block);
        return;
    }
  }

  void resolveFunction(FunctionNode& fn, FunctionScope* enclosing) {
    FunctionScope scope;
    scope.enclosing = enclosing;
    scope.captures = &fn.captures;
    scope.blockDepth = 1;
    FunctionScope* saved = scope_;
    scope_ = &scope;
    for (Param& param : fn.params) {
      // A default is filled in by assigning the parameter in the body's first
      // statements, which the check below must not see.
      VarFlags flags{.isReferenceParam = param.reference && !param.hasDefault};
      declareLocal(param.name, param.pos, flags, param.binding);
    }
    if (fn.expressionBody) {
      resolveExpr(*fn.expressionBody);
    } else {
      for (StmtPtr& stmt : fn.body.statements) resolveStmt(*stmt);
    }
    fn.numLocals = scope.maxSlots;
    scope_ = saved;
  }

  // ------------------------------------------------------------ expressions

  void resolveExprs(std::vector<ExprPtr>& list) {
    for (ExprPtr& e : list) resolveExpr(*e);
  }

  void resolveExpr(Expr& expr) {
    DepthGuard guard(*this, expr.pos);
    if (guard.tooDeep()) return;
    switch (expr.kind) {
      case ExprKind::Int:
        if (static_cast<IntExpr&>(expr).needsNegation) {
          error(expr.pos, "integer literal 9223372036854775808 does not fit in 64 bits");
        }
        return;
      case ExprKind::Float:
      case ExprKind::String:
      case ExprKind::Bool:
      case ExprKind::None:
        return;
      case ExprKind::Name:
        resolveRead(static_cast<NameExpr&>(expr));
        return;
      case ExprKind::Unary:
        resolveExpr(*static_cast<UnaryExpr&>(expr).operand);
        return;
      case ExprKind::Binary: {
        auto& binary = static_cast<BinaryExpr&>(expr);
        resolveExpr(*binary.lhs);
        resolveExpr(*binary.rhs);
        return;
      }
      case ExprKind::Logical: {
        auto& logical = static_cast<LogicalExpr&>(expr);
        resolveExpr(*logical.lhs);
        resolveExpr(*logical.rhs);
        return;
      }
      case ExprKind::Coalesce: {
        auto& coalesce = static_cast<CoalesceExpr&>(expr);
        resolveExpr(*coalesce.lhs);
        resolveExpr(*coalesce.rhs);
        return;
      }
      case ExprKind::Block:
        resolveBlock(static_cast<BlockExpr&>(expr).block);
        return;
      case ExprKind::If:
        resolveStmt(*static_cast<IfExpr&>(expr).stmt);
        return;
      case ExprKind::Match:
        resolveMatch(static_cast<MatchExpr&>(expr));
        return;
      case ExprKind::Variant: {
        auto& variant = static_cast<VariantExpr&>(expr);
        const TypeInfo& type = parsed_.types[variant.type];
        if (variant.args.size() != type.fields.size()) {
          error(expr.pos, "'" + variant.name + "' takes " + std::to_string(type.fields.size()) +
                              " value" + (type.fields.size() == 1 ? "" : "s") + ", got " +
                              std::to_string(variant.args.size()));
        }
        resolveExprs(variant.args);
        return;
      }
      case ExprKind::Try:
        if (scope_->isMain) error(expr.pos, "'?' outside a function");
        resolveExpr(*static_cast<TryExpr&>(expr).value);
        return;
      case ExprKind::Range: {
        auto& range = static_cast<RangeExpr&>(expr);
        range.rangeMaker = {Resolution::Kind::Global, globals_.at(kRangeMakerName).index};
        resolveExpr(*range.low);
        resolveExpr(*range.high);
        return;
      }
      case ExprKind::Call: {
        auto& call = static_cast<CallExpr&>(expr);
        resolveExpr(*call.callee);
        resolveExprs(call.args);
        fillDefaultArguments(call);
        return;
      }
      case ExprKind::MethodCall: {
        auto& call = static_cast<MethodCallExpr&>(expr);
        if (parsed_.hasMethodDispatchers && !call.ownMethodOnly) {
          auto dispatcher = globals_.find(methodDispatcherName(call.method, call.args.size()));
          if (dispatcher != globals_.end()) {
            call.dispatcher = {Resolution::Kind::Global, dispatcher->second.index};
          }
        }
        resolveExpr(*call.receiver);
        resolveExprs(call.args);
        return;
      }
      case ExprKind::Field:
        resolveExpr(*static_cast<FieldExpr&>(expr).object);
        return;
      case ExprKind::Index: {
        auto& index = static_cast<IndexExpr&>(expr);
        resolveExpr(*index.object);
        resolveExpr(*index.index);
        return;
      }
      case ExprKind::Array:
        resolveExprs(static_cast<ArrayExpr&>(expr).elements);
        return;
      case ExprKind::Map: {
        auto& map = static_cast<MapExpr&>(expr);
        resolveExprs(map.keys);
        resolveExprs(map.values);
        return;
      }
      case ExprKind::Record:
        resolveRecord(static_cast<RecordExpr&>(expr));
        return;
      case ExprKind::Function:
        resolveFunction(*static_cast<FunctionExpr&>(expr).function, scope_);
        return;
    }
  }

  // A direct call of a top-level function that leaves out parameters with
  // default values passes none for them (the callee's first statements put
  // the defaults in).
  void fillDefaultArguments(CallExpr& call) {
    if (call.callee->kind != ExprKind::Name) return;
    const Resolution& callee = static_cast<NameExpr&>(*call.callee).resolution;
    if (callee.kind != Resolution::Kind::Global) return;
    int32_t function = out_.globals[callee.index].function;
    if (function <= 0) return;
    const std::vector<Param>& params = parsed_.functions[function - 1]->params;
    if (call.args.size() >= params.size() || !params[call.args.size()].hasDefault) return;
    while (call.args.size() < params.size()) {
      call.args.push_back(std::make_unique<NoneExpr>(call.pos));
    }
  }

  void resolveMatch(MatchExpr& match) {
    resolveExpr(*match.subject);
    match.subjectSlot = allocateSlot(match.pos);
    for (MatchArm& arm : match.arms) {
      uint32_t saved = scope_->nextSlot;
      beginScope();
      resolvePattern(*arm.pattern);
      if (arm.guard) resolveExpr(*arm.guard);
      resolveExpr(*arm.body);
      endScope(saved);
    }
  }

  // Declares the pattern's variables; a compound pattern inside another gets
  // a hidden local to hold the value it tests.
  void resolvePattern(Pattern& pattern) {
    DepthGuard guard(*this, pattern.pos);
    if (guard.tooDeep()) return;
    switch (pattern.kind) {
      case PatternKind::Wildcard:
        return;
      case PatternKind::Literal:
        resolveExpr(*pattern.literal);
        return;
      case PatternKind::Binding:
        declareLocal(pattern.name, pattern.pos, {}, pattern.binding);
        return;
      case PatternKind::Variant: {
        const TypeInfo& type = parsed_.types[pattern.type];
        if (!pattern.elements.empty() && pattern.elements.size() != type.fields.size()) {
          error(pattern.pos, "'" + pattern.name + "' has " + std::to_string(type.fields.size()) +
                                 " value" + (type.fields.size() == 1 ? "" : "s") +
                                 ", the pattern names " + std::to_string(pattern.elements.size()));
        }
        break;
      }
      case PatternKind::Object:
        if (pattern.type >= 0) {
          const TypeInfo& type = parsed_.types[pattern.type];
          for (const std::string& field : pattern.fields) {
            if (std::find(type.fields.begin(), type.fields.end(), field) == type.fields.end()) {
              error(pattern.pos, "type '" + type.name + "' has no field '" + field + "'");
            }
          }
        }
        break;
      case PatternKind::Array:
        break;
      case PatternKind::Or:
        if (bindsVariables(pattern)) {
          error(pattern.pos, "a pattern with '|' alternatives cannot bind variables");
          return;
        }
        // The alternatives test the value this pattern tests.
        for (PatternPtr& alternative : pattern.elements) resolvePattern(*alternative);
        return;
    }
    for (PatternPtr& element : pattern.elements) {
      if (element->kind == PatternKind::Variant || element->kind == PatternKind::Array ||
          element->kind == PatternKind::Object || element->kind == PatternKind::Or) {
        element->slot = allocateSlot(element->pos);
      }
      resolvePattern(*element);
    }
    if (pattern.restBinds) declareLocal(pattern.name, pattern.pos, {}, pattern.binding);
  }

  static bool bindsVariables(const Pattern& pattern) {
    if (pattern.kind == PatternKind::Binding || pattern.restBinds) return true;
    for (const PatternPtr& element : pattern.elements) {
      if (bindsVariables(*element)) return true;
    }
    return false;
  }

  void resolveRecord(RecordExpr& record) {
    const TypeInfo& type = parsed_.types[record.type];
    const FieldSlots& slots = fieldSlotsOf(record.type);
    record.order.assign(type.fields.size(), -1);
    for (std::size_t i = 0; i < record.names.size(); ++i) {
      const std::string& name = record.names[i];
      auto found = slots.find(name);
      std::size_t field = found == slots.end() ? type.fields.size() : found->second;
      if (field == type.fields.size()) {
        error(record.namePositions[i], "type '" + type.name + "' has no field '" + name + "'");
      } else if (record.order[field] >= 0) {
        error(record.namePositions[i], "field '" + name + "' is given twice");
      } else {
        record.order[field] = static_cast<int32_t>(i);
      }
    }
    resolveExprs(record.values);
  }

  // A type's field slots by name, made when a literal of the type is first
  // resolved (a scan per field made a 100k-field literal quadratic).
  using FieldSlots = std::unordered_map<std::string_view, std::size_t>;
  const FieldSlots& fieldSlotsOf(uint32_t typeIndex) {
    if (fieldSlots_.size() < parsed_.types.size()) fieldSlots_.resize(parsed_.types.size());
    FieldSlots& slots = fieldSlots_[typeIndex];
    const std::vector<std::string>& fields = parsed_.types[typeIndex].fields;
    if (slots.empty()) {
      for (std::size_t i = 0; i < fields.size(); ++i) slots.emplace(fields[i], i);
    }
    return slots;
  }

  ParsedProgram& parsed_;
  Program& out_;
  DiagnosticSink& sink_;
  FunctionScope* scope_ = nullptr;
  std::unordered_map<std::string, GlobalInfo> globals_;
  std::unordered_map<std::string, uint32_t> moduleFiles_;  // module name -> file index
  // Per file: the names `from .. use` binds -> the qualified global names.
  std::vector<std::unordered_map<std::string, std::string>> importNames_;
  uint32_t currentFile_ = 0;
  uint32_t depth_ = 0;
  bool reportedDepth_ = false;
  std::vector<FieldSlots> fieldSlots_;  // by type index
};

}  // namespace

void resolveProgram(ParsedProgram& parsed, Program& out, DiagnosticSink& sink) {
  Resolver(parsed, out, sink).run();
}

}  // namespace shapevm
