// The in-memory form of a program: what the assembler and compiler produce,
// what the .sbc reader returns (after verification) and what the VM runs.
//
// A program is a list of functions, record types and globals plus the index of
// the entry function (the top-level code, arity 0). A global may be bound to a
// function at load time (`GlobalDecl::function`): declared functions are not
// assigned by code in the entry function, so adding or editing a function
// never changes the entry function's content hash.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bytecode/opcodes.h"
#include "core/object.h"

namespace shapevm {

enum class ConstantKind : uint8_t { Int = 0, Float = 1, String = 2 };

struct Constant {
  ConstantKind kind = ConstantKind::Int;
  int64_t intValue = 0;
  double floatValue = 0;
  std::string stringValue;

  static Constant ofInt(int64_t v) { return {ConstantKind::Int, v, 0, {}}; }
  static Constant ofFloat(double v) { return {ConstantKind::Float, 0, v, {}}; }
  static Constant ofString(std::string v) { return {ConstantKind::String, 0, 0, std::move(v)}; }
  bool operator==(const Constant& other) const;
};

// Where a closure finds each captured variable when it is created: a local
// slot of the enclosing frame, or one of the enclosing closure's upvalues.
// `name` is the source name of the variable (used to re-bind closures whose
// function changed across a recompile).
struct Capture {
  bool fromLocal = true;
  uint32_t index = 0;
  std::string name;
  bool operator==(const Capture&) const = default;
};

// Instructions from `offset` (inclusive) to the next entry's offset came from `line`.
struct LineEntry {
  uint32_t offset = 0;
  uint32_t line = 0;
  bool operator==(const LineEntry&) const = default;
};

// XXH3-128 content hash of a function (see bytecode/function_hash.h).
struct FunctionHash {
  uint64_t high = 0;
  uint64_t low = 0;
  bool operator==(const FunctionHash&) const = default;
  std::string hex() const;  // 32 lowercase hex digits
  static bool fromHex(std::string_view text, FunctionHash* out);
  struct Hasher {  // for unordered containers (the hash is already uniform)
    std::size_t operator()(const FunctionHash& h) const { return h.high ^ (h.low * 31); }
  };
};

// At most this many local slots per function. A call sets every local
// beyond the arguments to none, so the limit bounds the work one call
// instruction does, and with it the time a step budget allows: 4096 slots are
// 64 KiB to clear, a few microseconds (Lua allows 200 locals per function).
inline constexpr uint32_t kMaxLocals = 1u << 12;

// Debug information (written by the compiler; empty for assembled code).
// Relocation uses it to move a live frame into changed code at a statement
// that did not change, and `inspect` to name a frame's locals.

// One statement of the source: its code is the words [start, end), which
// include the code of the statements nested in it (the statements with it as
// their parent). Statements are listed in source order, each after its
// parent, and only if they produced code.
struct StatementInfo {
  uint32_t start = 0;
  uint32_t end = 0;
  uint32_t line = 0;
  int32_t parent = -1;  // index of the enclosing statement; -1: the function's body
  bool operator==(const StatementInfo&) const = default;
};

// A local variable: slot `slot` holds it while the code in [start, end) runs.
// The compiler's hidden slots (a loop's end and position, a match's subject)
// have names in parentheses, e.g. "(for position)".
struct LocalInfo {
  std::string name;
  uint32_t slot = 0;
  uint32_t start = 0;
  uint32_t end = 0;
  bool operator==(const LocalInfo&) const = default;
};

struct Function {
  std::string name;  // unique within the program
  uint32_t arity = 0;
  uint32_t numLocals = 0;  // includes the parameters, which occupy slots 0..arity-1
  uint32_t maxStack = 0;   // operand stack depth above the locals
  std::vector<Capture> captures;
  std::vector<Constant> constants;
  std::vector<Instr> code;
  std::vector<LineEntry> lines;  // sorted by offset
  std::vector<StatementInfo> statements;
  std::vector<LocalInfo> locals;
  FunctionHash hash;  // computed by computeHashes(), never read from a file
  // The source file the function was compiled from when it is not the
  // program's (a module's, docs/language.md "Modules"); empty otherwise.
  // Debug information: stack traces name it.
  std::string sourceFile;

  uint32_t lineAt(uint32_t offset) const;
};

struct GlobalDecl {
  std::string name;
  int32_t function = -1;  // bound to this function at load time, or -1 (starts as none)
  bool operator==(const GlobalDecl&) const = default;
};

// A field's declared default (`type Stat { count, big = 0 }`): the value a
// record literal that leaves the field out gives it, and the value the field
// starts with in live records when relocation adds it to their type.
// A default is a constant: none, a bool, or an int, float or string constant.
struct FieldDefault {
  enum class Kind : uint8_t { None = 0, False = 1, True = 2, Constant = 3 };
  uint32_t field = 0;  // index into TypeDecl::fields
  Kind kind = Kind::None;
  Constant constant;  // when kind is Constant
  bool operator==(const FieldDefault&) const = default;
};

struct TypeDecl {
  std::string name;
  std::vector<std::string> fields;
  std::vector<FieldDefault> defaults = {};  // by increasing field index, at most one per field
  bool operator==(const TypeDecl&) const = default;

  const FieldDefault* defaultOf(std::size_t field) const;  // nullptr if it has none
};

struct Program {
  std::string sourceFile;  // the .shape/.sasm it came from, for messages
  std::vector<Function> functions;
  std::vector<TypeDecl> types;
  std::vector<GlobalDecl> globals;
  uint32_t entry = 0;

  int findFunction(std::string_view name) const;  // -1 if absent
  int findGlobal(std::string_view name) const;    // -1 if absent
};

}  // namespace shapevm
