// The interface between the interpreter and the built-in functions and
// methods implemented in C++ (builtins.cpp, methods.cpp).
//
// A native reads its arguments from the value stack (so they stay rooted while
// it allocates), writes its result, and reports how it ended. It never calls
// back into guest code: the methods that take guest callbacks (map, filter,
// reduce) are bytecode functions of the prelude (prelude.cpp), so guest calls
// never nest on the C++ stack and every point inside them can be suspended.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/value.h"

namespace shapevm {

class VM;
struct String;

enum class NativeStatus : uint8_t {
  Ok,           // *result holds the return value
  Error,        // *result holds the value to throw (usually VM::makeError)
  Interrupted,  // a suspend signal arrived before the call took effect: re-run it after resume
};

using NativeFn = NativeStatus (*)(VM& vm, Value* args, uint32_t argc, Value* result);

// Indexed by BuiltinId (bytecode/builtin_names.h).
extern const NativeFn kBuiltinFunctions[];

// Method names the VM knows. Prelude methods run as bytecode (see prelude.h).
// One method a line; left unformatted, as clang-format cannot settle on a layout.
// clang-format off
#define SHAPEVM_METHODS(M) \
  M(Length, "length") \
  M(Substring, "substring") \
  M(Split, "split") \
  M(Contains, "contains") \
  M(StartsWith, "starts_with") \
  M(EndsWith, "ends_with") \
  M(IndexOf, "index_of") \
  M(ToUpper, "to_upper") \
  M(ToLower, "to_lower") \
  M(Trim, "trim") \
  M(Replace, "replace") \
  M(Push, "push") \
  M(Pop, "pop") \
  M(Slice, "slice") \
  M(Join, "join") \
  M(Sort, "sort") \
  M(Reverse, "reverse") \
  M(Map, "map") \
  M(Filter, "filter") \
  M(Reduce, "reduce") \
  M(Set, "set") \
  M(Get, "get") \
  M(Has, "has") \
  M(Delete, "delete") \
  M(Keys, "keys") \
  M(Values, "values") \
  M(ReadLine, "read_line") \
  M(Write, "write") \
  M(Close, "close")
// clang-format on

enum class MethodId : uint8_t {
#define SHAPEVM_METHOD_ENUM(name, text) name,
  SHAPEVM_METHODS(SHAPEVM_METHOD_ENUM)
#undef SHAPEVM_METHOD_ENUM
      Unknown
};

MethodId findMethod(std::string_view name);

// Runs a built-in method on `receiver` (args[-1] is the receiver slot).
// Unknown is handled by the interpreter (record fields, map keys).
NativeStatus callMethod(VM& vm, MethodId method, Value* receiverAndArgs, uint32_t argc,
                        Value* result);

// Shared helpers for natives.
NativeStatus typeError(VM& vm, Value* result, std::string_view message);
NativeStatus raise(VM& vm, Value* result, std::string_view kind, std::string_view message);
const char* typeName(Value value);
bool isTruthy(Value value);
bool valuesEqual(Value a, Value b);

}  // namespace shapevm
