// The interface between the interpreter and the built-in functions and
// methods implemented in C++ (builtins.cpp, methods.cpp).
//
// A native reads its arguments from the value stack (so they stay rooted while
// it allocates), writes its result, and reports how it ended. It never calls
// back into guest code: the methods that take guest callbacks (map, filter,
// sort with a comparator, ...) are bytecode functions of the prelude
// (prelude.h), so guest calls never nest on the C++ stack and every point
// inside them can be suspended.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "core/value.h"

namespace shapevm {

class VM;
struct String;

enum class NativeStatus : uint8_t {
  Ok,           // *result holds the return value
  Error,        // *result holds the value to throw (usually VM::makeError)
  Interrupted,  // a suspend was requested before the call took effect: re-run it after resume
};

using NativeFn = NativeStatus (*)(VM& vm, Value* args, uint32_t argc, Value* result);

// Indexed by BuiltinId (bytecode/builtin_names.h).
extern const NativeFn kBuiltinFunctions[];

// Method names the VM knows, under Shape's names; SHAPEVM_METHOD_ALIASES lists
// the other names that reach the same method. Methods that call guest
// functions run as prelude bytecode (see prelude.h).
// One method a line; left unformatted, as clang-format cannot settle on a layout.
// clang-format off
#define SHAPEVM_METHODS(M) \
  M(Length, "length") \
  M(IsEmpty, "isEmpty") \
  M(ToString, "toString") \
  M(Substring, "substring") \
  M(Split, "split") \
  M(Contains, "contains") \
  M(Includes, "includes") \
  M(StartsWith, "startsWith") \
  M(EndsWith, "endsWith") \
  M(IndexOf, "indexOf") \
  M(LastIndexOf, "lastIndexOf") \
  M(ToUpper, "toUpperCase") \
  M(ToLower, "toLowerCase") \
  M(Trim, "trim") \
  M(TrimStart, "trimStart") \
  M(TrimEnd, "trimEnd") \
  M(Replace, "replace") \
  M(Repeat, "repeat") \
  M(PadStart, "padStart") \
  M(PadEnd, "padEnd") \
  M(Chars, "chars") \
  M(CharAt, "charAt") \
  M(IsDigit, "isDigit") \
  M(IsAlpha, "isAlpha") \
  M(Push, "push") \
  M(Pop, "pop") \
  M(Slice, "slice") \
  M(Join, "join") \
  M(Sort, "sort") \
  M(Reverse, "reverse") \
  M(First, "first") \
  M(Last, "last") \
  M(Take, "take") \
  M(Skip, "skip") \
  M(Concat, "concat") \
  M(Unique, "unique") \
  M(Flatten, "flatten") \
  M(Sum, "sum") \
  M(Min, "min") \
  M(Max, "max") \
  M(Count, "count") \
  M(Zip, "zip") \
  M(Enumerate, "enumerate") \
  M(Iter, "iter") \
  M(Collect, "collect") \
  M(Map, "map") \
  M(Filter, "filter") \
  M(Reduce, "reduce") \
  M(ForEach, "forEach") \
  M(FlatMap, "flatMap") \
  M(Find, "find") \
  M(FindIndex, "findIndex") \
  M(Some, "some") \
  M(Every, "every") \
  M(GroupBy, "groupBy") \
  M(TakeWhile, "takeWhile") \
  M(SkipWhile, "skipWhile") \
  M(OrderBy, "orderBy") \
  M(Set, "set") \
  M(Get, "get") \
  M(Has, "has") \
  M(Delete, "delete") \
  M(Keys, "keys") \
  M(Values, "values") \
  M(Entries, "entries") \
  M(Merge, "merge") \
  M(Abs, "abs") \
  M(Floor, "floor") \
  M(Ceil, "ceil") \
  M(Round, "round") \
  M(Sqrt, "sqrt") \
  M(ToFixed, "toFixed") \
  M(Clamp, "clamp") \
  M(ReadLine, "read_line") \
  M(Write, "write") \
  M(Close, "close")

#define SHAPEVM_METHOD_ALIASES(A) \
  A(Length, "len") \
  A(StartsWith, "starts_with") \
  A(EndsWith, "ends_with") \
  A(IndexOf, "index_of") \
  A(ToUpper, "to_upper") \
  A(ToLower, "to_lower") \
  A(Skip, "drop") \
  A(Collect, "toArray") \
  A(Map, "select") \
  A(Filter, "where") \
  A(Some, "any") \
  A(Every, "all")
// clang-format on

enum class MethodId : uint8_t {
#define SHAPEVM_METHOD_ENUM(name, text) name,
  SHAPEVM_METHODS(SHAPEVM_METHOD_ENUM)
#undef SHAPEVM_METHOD_ENUM
      Unknown
};

inline constexpr std::size_t kMethodCount = static_cast<std::size_t>(MethodId::Unknown);

// The methods of maps (natives and prelude). Calling any other name on a map
// calls the function stored under that key: a map serves as an object.
inline constexpr std::array<bool, kMethodCount> kMapMethods = [] {
  std::array<bool, kMethodCount> has{};
  for (MethodId m :
       {MethodId::Set, MethodId::Get, MethodId::Has, MethodId::Delete, MethodId::Keys,
        MethodId::Values, MethodId::Entries, MethodId::Merge, MethodId::Length, MethodId::IsEmpty,
        MethodId::ToString, MethodId::Map, MethodId::Filter, MethodId::ForEach}) {
    has[static_cast<std::size_t>(m)] = true;
  }
  return has;
}();

MethodId findMethod(std::string_view name);

// Runs a built-in method on `receiver` (args[-1] is the receiver slot).
// Unknown is handled by the interpreter (record fields, map keys).
NativeStatus callMethod(VM& vm, MethodId method, Value* receiverAndArgs, uint32_t argc,
                        Value* result);

// Shared helpers for natives.
NativeStatus typeError(VM& vm, Value* result, std::string_view message);
// A native's successful return of `value`.
inline NativeStatus ok(Value* result, Value value) {
  *result = value;
  return NativeStatus::Ok;
}
NativeStatus raise(VM& vm, Value* result, std::string_view kind, std::string_view message);
const char* typeName(Value value);
bool isTruthy(Value value);
bool valuesEqual(Value a, Value b);

}  // namespace shapevm
