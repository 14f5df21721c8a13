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
  bool assigned = false;  // some assignment (here or in a closure) writes this variable
};

// What a name in an expression refers to (set by the resolver).
struct Resolution {
  enum class Kind : uint8_t { Unresolved, Local, Upvalue, Global, Builtin };
  Kind kind = Kind::Unresolved;
  uint32_t index = 0;
  const Binding* binding = nullptr;  // a local's declaration (complete once resolved)
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
  Coalesce,
  Range,
  Call,
  MethodCall,
  Field,
  Index,
  Array,
  Map,
  Record,
  Function,
  Block,
  If,
  Match,
  Variant,
  Try,
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

enum class UnaryOp : uint8_t { Neg, Not, BitNot };

struct UnaryExpr : Expr {
  UnaryExpr(SourcePos pos, UnaryOp op, ExprPtr operand)
      : Expr(ExprKind::Unary, pos), op(op), operand(std::move(operand)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp : uint8_t {
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Pow,
  BitAnd,
  BitOr,
  BitXor,
  ShiftLeft,
  ShiftRight,
};

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

// `a..b`: the iterable of a `for` becomes a ForRangeStmt; anywhere else it is
// the array of its ints, built by the generated function `<range>`.
struct RangeExpr : Expr {
  RangeExpr(SourcePos pos, ExprPtr low, ExprPtr high, bool inclusive)
      : Expr(ExprKind::Range, pos),
        low(std::move(low)),
        high(std::move(high)),
        inclusive(inclusive) {}
  ExprPtr low, high;
  bool inclusive;         // `a..=b`
  Resolution rangeMaker;  // the global `<range>` (resolver)
};

// `a ?? b`: a unless it is none, else b (evaluated only then).
struct CoalesceExpr : Expr {
  CoalesceExpr(SourcePos pos, ExprPtr lhs, ExprPtr rhs)
      : Expr(ExprKind::Coalesce, pos), lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  ExprPtr lhs, rhs;
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
  // The value's own method even when `impl`/`extend` blocks define one of
  // this name (a method dispatcher's last resort).
  bool ownMethodOnly = false;
  // Set by the resolver when methods of this name are defined in `impl` or
  // `extend` blocks: the global holding the dispatcher for this argument count.
  Resolution dispatcher;
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
// `values` or -1 when the literal leaves it out (it starts as the field's
// default, or none).
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
  bool terminated = false;  // ends with ';': as a block's last statement it gives no value
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
  bool inclusive = false;  // `a..=b`
  Block body;
  Binding variable;
  uint32_t endSlot = 0;      // hidden local holding the (exclusive) end
  uint32_t counterSlot = 0;  // hidden counter, used when the body assigns the variable
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

// ------------------------------------------------- expressions with statements

// `{ stmts; value }` in expression position: the value of its last
// expression statement (none if the block ends otherwise).
struct BlockExpr : Expr {
  explicit BlockExpr(SourcePos pos) : Expr(ExprKind::Block, pos) {}
  Block block;
};

// `if c { a } else { b }` in expression position (none when no branch runs).
struct IfExpr : Expr {
  IfExpr(SourcePos pos, std::unique_ptr<IfStmt> stmt)
      : Expr(ExprKind::If, pos), stmt(std::move(stmt)) {}
  std::unique_ptr<IfStmt> stmt;
};

// A pattern of a `match` arm.
enum class PatternKind : uint8_t {
  Wildcard,  // `_`
  Literal,   // `1`, `-2.5`, `"s"`, `true`, `none`: equal to the value
  Binding,   // `x` (optionally `x: T`): matches anything, binds it
  Variant,   // `E::V`, `E::V(p, ..)`, `Some(p)`, `None`: an enum value of that variant
  Array,     // `[p, q]`, `[p, ..rest]`: an array of that length (at least, with a rest)
  Object,    // `{x, y: p}` / `T {x, y: p}`: a record (of type T) or map with those fields
  Or,        // `p | q`: any of the alternatives (which bind no variables)
};

struct Pattern;
using PatternPtr = std::unique_ptr<Pattern>;

struct Pattern {
  Pattern(PatternKind kind, SourcePos pos) : kind(kind), pos(pos) {}
  PatternKind kind;
  SourcePos pos;
  ExprPtr literal;   // Literal
  std::string name;  // Binding: the variable; Variant/Object: the type as written
  Binding binding;   // Binding; Array: the rest variable
  std::vector<PatternPtr>
      elements;  // Variant payload, Array elements, Object fields, Or alternatives
  std::vector<std::string> fields;  // Object: field names, parallel to elements
  bool hasRest = false;             // Array: `..` or `..rest`
  // Binding `n: int` at the top of an arm: the `type()` the value must have
  // (the parser turns it into a guard); empty when any value matches.
  std::string valueType;
  bool restBinds = false;  // Array: `..rest` names the rest
  // Filled by the resolver.
  int32_t type = -1;  // Variant, typed Object: record type index; -1 for `None` / untyped
  uint32_t slot = 0;  // Variant/Array/Object below the top: hidden local holding the value
};

struct MatchArm {
  PatternPtr pattern;
  ExprPtr guard;  // `where c` / `if c`, or nullptr
  ExprPtr body;   // an expression (a block body is a BlockExpr)
};

// `match subject { pattern [where guard] => body, ... }`: the body of the
// first arm whose pattern matches and whose guard holds. No matching arm
// raises MatchError.
struct MatchExpr : Expr {
  MatchExpr(SourcePos pos, ExprPtr subject)
      : Expr(ExprKind::Match, pos), subject(std::move(subject)) {}
  ExprPtr subject;
  std::vector<MatchArm> arms;
  uint32_t subjectSlot = 0;  // hidden local (resolver)
};

// `E::V`, `E::V(a, b)`, `Some(x)`, `Ok(x)`, `Err(e)`: a new enum value.
struct VariantExpr : Expr {
  VariantExpr(SourcePos pos, std::string name) : Expr(ExprKind::Variant, pos), name(name) {}
  std::string name;  // as written: `E::V` or `Some`
  std::vector<ExprPtr> args;
  bool called = false;  // written with `( )`
  int32_t type = -1;    // record type index (resolver)
};

// `e?`: an Err or none leaves the function as its result; Ok(v) and Some(v)
// give v; any other value is itself.
struct TryExpr : Expr {
  TryExpr(SourcePos pos, ExprPtr value) : Expr(ExprKind::Try, pos), value(std::move(value)) {}
  ExprPtr value;
};

// ------------------------------------------------------------------ functions

struct Param {
  std::string name;
  SourcePos pos;
  Binding binding;
  // `b = 2`: a direct call may leave it out. The parser turns the value into
  // the body's first statements (`if b == none { b = 2 }`); only the flag stays.
  bool hasDefault = false;
  ExprPtr defaultValue;  // until the body is parsed
  // `&name`: a reference parameter. Shape writes assignments to it back to
  // the caller's variable; shapevm does not, so assigning to one is a
  // compile error (docs/language.md, "Differences from Shape").
  bool reference = false;
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
  std::string name;  // an enum's variants are `Enum::Variant`
  SourcePos pos;
  std::vector<std::string> fields;  // a tuple variant's fields are "0", "1", ...
  std::vector<FieldDefault> defaults = {};
};

// `enum E { A, B(T, U), C { x, y } }`: each variant is a record type `E::V`.
struct EnumInfo {
  std::string name;
  SourcePos pos;
  std::vector<std::string> variants;
  std::vector<uint32_t> types;   // parallel to variants: TypeInfo index
  std::vector<bool> positional;  // parallel: `B(..)` (constructed by a call) rather than `C {..}`
};

// `use a::b [as m]` or `from a::b use { f, g as h }` at the top level of a file.
struct ImportName {
  std::string name;   // as the module declares it
  std::string alias;  // the name it gets in the importing file
  SourcePos pos;
};

struct ImportDecl {
  SourcePos pos;                  // of `use` / `from`
  SourcePos pathPos;              // of the module path
  std::vector<std::string> path;  // its segments: `a::b` is {"a", "b"}
  bool named = false;             // `from .. use { .. }`
  std::string alias;              // `use`: the name the module gets (its last segment or `as`)
  std::vector<ImportName> names;  // `from .. use`
  uint32_t file = 0;              // the imported file: index in ParsedProgram::files
};

// One source file of the program. The files share one range of line numbers
// (each file's lines follow the previous file's), so a SourcePos alone tells
// which file it is in; diagnostics and line tables translate it back.
struct SourceFileInfo {
  std::string path;        // as opened, relative to the main file's directory or as given
  std::string module;      // `lib::stats` for lib/stats.shape; empty for the main file
  uint32_t firstLine = 1;  // the shared line number of the file's line 1
  uint32_t lineCount = 1;
  std::vector<ImportDecl> imports;
  std::vector<std::string> publicNames;  // names declared with `pub`
  std::vector<std::string> typeNames;    // types, enums and traits it declares

  // Prefix of the names of the file's top-level functions and variables.
  std::string prefix() const { return module.empty() ? std::string() : module + "::"; }
  bool contains(uint32_t line) const { return line >= firstLine && line - firstLine < lineCount; }
};

struct ParsedProgram {
  // The files in the order their top-level code runs: each module before the
  // files importing it, the main file last. A program of one file has one.
  std::vector<SourceFileInfo> files;
  StmtList statements;                                   // the top level, in order
  std::vector<std::unique_ptr<FunctionNode>> functions;  // source order
  std::vector<TypeInfo> types;                           // declaration order
  std::vector<EnumInfo> enums;                           // declaration order
  SourcePos end;                                         // end of the source
  bool hasMethodDispatchers = false;                     // some `impl`/`extend` method is called
  // Filled by the resolver.
  uint32_t mainLocals = 0;
};

}  // namespace shapevm
