// The syntax tree the parser builds, the resolver annotates and the emitter
// turns into bytecode.
//
// Invariants:
// - Every Expr's `height` (1 + the tallest child) is at most kMaxNesting, and
//   statements nest at most kMaxNesting deep: the parser refuses deeper input,
//   so every recursive walk of the tree (including its destructor) is bounded.
// - FunctionNodes are owned by ParsedProgram::functions in source order (outer
//   before inner); that order is the function's index in the program (after
//   `<main>` at index 0). Tree nodes refer to them by pointer.
// - Binding/Resolution fields are filled by the resolver and read by the emitter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bytecode/program.h"

namespace shapevm {

// Deepest nesting of expressions / blocks the compiler accepts.
inline constexpr uint32_t kMaxNesting = 1000;

struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
};

// Where a declared variable lives (set by the resolver).
struct Binding {
  enum class Kind : uint8_t { Unresolved, Local, Global };
  Kind kind = Kind::Unresolved;
  uint32_t index = 0;     // local slot or global index
  bool captured = false;  // a closure captures this local: close its cell at scope end
};

// What a name in an expression refers to (set by the resolver).
struct Resolution {
  enum class Kind : uint8_t { Unresolved, Local, Upvalue, Global, Builtin };
  Kind kind = Kind::Unresolved;
  uint32_t index = 0;
};

struct FunctionNode;
struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

// ---------------------------------------------------------------- expressions

enum class ExprKind : uint8_t {
  Int,
  Float,
  String,
  Bool,
  None,
  Name,
  Unary,
  Binary,
  Logical,
  Range,
  Call,
  MethodCall,
  Field,
  Index,
  Array,
  Map,
  Record,
  Function,
};

struct Expr {
  Expr(ExprKind kind, SourcePos pos) : kind(kind), pos(pos) {}
  virtual ~Expr() = default;
  ExprKind kind;
  SourcePos pos;  // of the token that performs the operation (operator, '(', '.', ...)
  uint32_t height = 1;
};
using ExprPtr = std::unique_ptr<Expr>;

struct IntExpr : Expr {
  IntExpr(SourcePos pos, int64_t value) : Expr(ExprKind::Int, pos), value(value) {}
  int64_t value;
  bool needsNegation = false;  // the literal 9223372036854775808, valid only after '-'
};

struct FloatExpr : Expr {
  FloatExpr(SourcePos pos, double value) : Expr(ExprKind::Float, pos), value(value) {}
  double value;
};

struct StringExpr : Expr {
  StringExpr(SourcePos pos, std::string value) : Expr(ExprKind::String, pos), value(value) {}
  std::string value;
};

struct BoolExpr : Expr {
  BoolExpr(SourcePos pos, bool value) : Expr(ExprKind::Bool, pos), value(value) {}
  bool value;
};

struct NoneExpr : Expr {
  explicit NoneExpr(SourcePos pos) : Expr(ExprKind::None, pos) {}
};

struct NameExpr : Expr {
  NameExpr(SourcePos pos, std::string name) : Expr(ExprKind::Name, pos), name(name) {}
  std::string name;
  Resolution resolution;
};

enum class UnaryOp : uint8_t { Neg, Not };

struct UnaryExpr : Expr {
  UnaryExpr(SourcePos pos, UnaryOp op, ExprPtr operand)
      : Expr(ExprKind::Unary, pos), op(op), operand(std::move(operand)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp : uint8_t { Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge };

struct BinaryExpr : Expr {
  BinaryExpr(SourcePos pos, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(ExprKind::Binary, pos), op(op), lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  BinaryOp op;
  ExprPtr lhs, rhs;
};

struct LogicalExpr : Expr {
  LogicalExpr(SourcePos pos, bool isAnd, ExprPtr lhs, ExprPtr rhs)
      : Expr(ExprKind::Logical, pos), isAnd(isAnd), lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  bool isAnd;
  ExprPtr lhs, rhs;
};

// `a..b`: only meaningful as the iterable of a `for` (the resolver rejects it elsewhere).
struct RangeExpr : Expr {
  RangeExpr(SourcePos pos, ExprPtr low, ExprPtr high)
      : Expr(ExprKind::Range, pos), low(std::move(low)), high(std::move(high)) {}
  ExprPtr low, high;
};

struct CallExpr : Expr {
  CallExpr(SourcePos pos, ExprPtr callee, std::vector<ExprPtr> args)
      : Expr(ExprKind::Call, pos), callee(std::move(callee)), args(std::move(args)) {}
  ExprPtr callee;
  std::vector<ExprPtr> args;
};

struct MethodCallExpr : Expr {
  MethodCallExpr(SourcePos pos, ExprPtr receiver, std::string method, std::vector<ExprPtr> args)
      : Expr(ExprKind::MethodCall, pos),
        receiver(std::move(receiver)),
        method(method),
        args(std::move(args)) {}
  ExprPtr receiver;
  std::string method;
  std::vector<ExprPtr> args;
};

struct FieldExpr : Expr {
  FieldExpr(SourcePos pos, ExprPtr object, std::string field)
      : Expr(ExprKind::Field, pos), object(std::move(object)), field(field) {}
  ExprPtr object;
  std::string field;
};

struct IndexExpr : Expr {
  IndexExpr(SourcePos pos, ExprPtr object, ExprPtr index)
      : Expr(ExprKind::Index, pos), object(std::move(object)), index(std::move(index)) {}
  ExprPtr object, index;
};

struct ArrayExpr : Expr {
  ArrayExpr(SourcePos pos, std::vector<ExprPtr> elements)
      : Expr(ExprKind::Array, pos), elements(std::move(elements)) {}
  std::vector<ExprPtr> elements;
};

struct MapExpr : Expr {
  explicit MapExpr(SourcePos pos) : Expr(ExprKind::Map, pos) {}
  std::vector<ExprPtr> keys;  // literals only
  std::vector<ExprPtr> values;
};

// `P { y: 2, x: 1 }`: fields as written; the resolver fills `order` with, for
// each field of the type in declared order, the index of its value in
// `values` or -1 when the literal leaves it out (it starts as none).
struct RecordExpr : Expr {
  RecordExpr(SourcePos pos, uint32_t type) : Expr(ExprKind::Record, pos), type(type) {}
  uint32_t type;
  std::vector<std::string> names;
  std::vector<SourcePos> namePositions;
  std::vector<ExprPtr> values;
  std::vector<int32_t> order;
};

// A lambda or anonymous function: creates a closure of `function`.
struct FunctionExpr : Expr {
  FunctionExpr(SourcePos pos, FunctionNode* function)
      : Expr(ExprKind::Function, pos), function(function) {}
  FunctionNode* function;
};

// ----------------------------------------------------------------- statements

enum class StmtKind : uint8_t {
  Expr,
  VarDecl,
  Assign,
  If,
  While,
  ForRange,
  ForEach,
  Break,
  Continue,
  Return,
  Throw,
  Try,
  Function,
  Block,
};

struct Stmt {
  Stmt(StmtKind kind, SourcePos pos) : kind(kind), pos(pos) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  SourcePos pos;
};

struct Block {
  StmtList statements;
  SourcePos end;  // the closing '}'
};

struct ExprStmt : Stmt {
  ExprStmt(SourcePos pos, ExprPtr expr) : Stmt(StmtKind::Expr, pos), expr(std::move(expr)) {}
  ExprPtr expr;
};

enum class VarKind : uint8_t { Let, Var, Const };

struct VarDeclStmt : Stmt {
  VarDeclStmt(SourcePos pos, VarKind varKind, std::string name, ExprPtr init)
      : Stmt(StmtKind::VarDecl, pos), varKind(varKind), name(name), init(std::move(init)) {}
  VarKind varKind;
  std::string name;
  ExprPtr init;  // nullptr: starts as none
  Binding binding;
};

// `target = value` or `target op= value`; target is a Name, Index or Field expression.
struct AssignStmt : Stmt {
  AssignStmt(SourcePos pos, ExprPtr target, bool compound, BinaryOp op, ExprPtr value)
      : Stmt(StmtKind::Assign, pos),
        target(std::move(target)),
        compound(compound),
        op(op),
        value(std::move(value)) {}
  ExprPtr target;
  bool compound;
  BinaryOp op;  // for compound assignment
  ExprPtr value;
};

struct IfBranch {
  ExprPtr condition;
  Block body;
};

struct IfStmt : Stmt {
  explicit IfStmt(SourcePos pos) : Stmt(StmtKind::If, pos) {}
  std::vector<IfBranch> branches;  // `if` then each `else if`
  bool hasElse = false;
  Block elseBody;
};

struct WhileStmt : Stmt {
  WhileStmt(SourcePos pos, ExprPtr condition)
      : Stmt(StmtKind::While, pos), condition(std::move(condition)) {}
  ExprPtr condition;
  Block body;
};

struct ForRangeStmt : Stmt {
  explicit ForRangeStmt(SourcePos pos) : Stmt(StmtKind::ForRange, pos) {}
  std::string name;
  SourcePos namePos;
  ExprPtr low, high;
  Block body;
  Binding variable;
  uint32_t endSlot = 0;  // hidden local holding the (exclusive) end
};

struct ForEachStmt : Stmt {
  explicit ForEachStmt(SourcePos pos) : Stmt(StmtKind::ForEach, pos) {}
  std::string name;
  SourcePos namePos;
  ExprPtr iterable;
  Block body;
  Binding variable;
  uint32_t stateSlot = 0;  // hidden locals: collection at stateSlot, position at +1
};

struct BreakStmt : Stmt {
  explicit BreakStmt(SourcePos pos) : Stmt(StmtKind::Break, pos) {}
};

struct ContinueStmt : Stmt {
  explicit ContinueStmt(SourcePos pos) : Stmt(StmtKind::Continue, pos) {}
};

struct ReturnStmt : Stmt {
  ReturnStmt(SourcePos pos, ExprPtr value) : Stmt(StmtKind::Return, pos), value(std::move(value)) {}
  ExprPtr value;  // nullptr: return none
};

struct ThrowStmt : Stmt {
  ThrowStmt(SourcePos pos, ExprPtr value) : Stmt(StmtKind::Throw, pos), value(std::move(value)) {}
  ExprPtr value;
};

struct TryStmt : Stmt {
  explicit TryStmt(SourcePos pos) : Stmt(StmtKind::Try, pos) {}
  Block body;
  bool hasCatchVariable = false;
  std::string catchName;
  SourcePos catchPos;
  Binding catchVariable;
  Block handler;
  uint32_t bodySlotBase = 0;  // first local slot the try body may use
};

// A named function declaration. At the top level it is bound to a global at
// load time; elsewhere it declares a local holding its closure.
struct FunctionStmt : Stmt {
  FunctionStmt(SourcePos pos, FunctionNode* function)
      : Stmt(StmtKind::Function, pos), function(function) {}
  FunctionNode* function;
};

struct BlockStmt : Stmt {
  explicit BlockStmt(SourcePos pos) : Stmt(StmtKind::Block, pos) {}
  Block block;
};

// ------------------------------------------------------------------ functions

struct Param {
  std::string name;
  SourcePos pos;
  Binding binding;
};

struct FunctionNode {
  std::string name;           // source name; empty for lambdas
  std::string qualifiedName;  // unique: f, outer.inner, outer.<lambda1>
  SourcePos pos;
  bool topLevel = false;  // declared at the top level: a load-time global
  std::vector<Param> params;
  Block body;
  ExprPtr expressionBody;  // `|x| x + 1`: the body is this expression
  // Filled by the resolver.
  uint32_t index = 0;  // index in Program::functions
  Binding binding;     // global (top level) or local slot (nested) naming it
  std::vector<Capture> captures;
  uint32_t numLocals = 0;
};

struct TypeInfo {
  std::string name;
  SourcePos pos;
  std::vector<std::string> fields;
};

struct ParsedProgram {
  StmtList statements;                                   // the top level, in order
  std::vector<std::unique_ptr<FunctionNode>> functions;  // source order
  std::vector<TypeInfo> types;                           // declaration order
  SourcePos end;                                         // end of the source
  // Filled by the resolver.
  uint32_t mainLocals = 0;
};

}  // namespace shapevm
