// The built-in functions' names and argument counts, shared by the compiler,
// assembler, verifier and hashing (which encode a built-in by name). Their
// implementations live in interp/; this table only fixes their indices.
//
// Row: BUILTIN(Name, "name", minArgs, maxArgs)   maxArgs -1 = any number
#pragma once

#include <cstdint>
#include <string_view>

namespace shapevm {

#define SHAPEVM_BUILTINS(BUILTIN)         \
  BUILTIN(Print, "print", 0, -1)          \
  BUILTIN(Len, "len", 1, 1)               \
  BUILTIN(Str, "str", 1, 1)               \
  BUILTIN(Int, "int", 1, 1)               \
  BUILTIN(Float, "float", 1, 1)           \
  BUILTIN(Type, "type", 1, 1)             \
  BUILTIN(Abs, "abs", 1, 1)               \
  BUILTIN(Min, "min", 1, -1)              \
  BUILTIN(Max, "max", 1, -1)              \
  BUILTIN(Sqrt, "sqrt", 1, 1)             \
  BUILTIN(Floor, "floor", 1, 1)           \
  BUILTIN(Ceil, "ceil", 1, 1)             \
  BUILTIN(Round, "round", 1, 1)           \
  BUILTIN(Pow, "pow", 2, 2)               \
  BUILTIN(Exp, "exp", 1, 1)               \
  BUILTIN(Log, "log", 1, 1)               \
  BUILTIN(Sin, "sin", 1, 1)               \
  BUILTIN(Cos, "cos", 1, 1)               \
  BUILTIN(Tan, "tan", 1, 1)               \
  BUILTIN(Atan2, "atan2", 2, 2)           \
  BUILTIN(Random, "random", 0, 0)         \
  BUILTIN(RandomInt, "random_int", 2, 2)  \
  BUILTIN(Clock, "clock", 0, 0)           \
  BUILTIN(Args, "args", 0, 0)             \
  BUILTIN(ReadLine, "read_line", 0, 0)    \
  BUILTIN(Open, "open", 2, 2)             \
  BUILTIN(Checkpoint, "checkpoint", 0, 0) \
  BUILTIN(Suspend, "suspend", 0, 0)       \
  BUILTIN(Exit, "exit", 0, 1)             \
  BUILTIN(HashMap, "HashMap", 0, 0)       \
  BUILTIN(Ln, "ln", 1, 1)

enum class BuiltinId : uint8_t {
#define SHAPEVM_BUILTIN_ENUM(name, text, minArgs, maxArgs) name,
  SHAPEVM_BUILTINS(SHAPEVM_BUILTIN_ENUM)
#undef SHAPEVM_BUILTIN_ENUM
};

struct BuiltinInfo {
  std::string_view name;
  int minArgs;
  int maxArgs;
};

inline constexpr BuiltinInfo kBuiltinInfo[] = {
#define SHAPEVM_BUILTIN_INFO(name, text, minArgs, maxArgs) {text, minArgs, maxArgs},
    SHAPEVM_BUILTINS(SHAPEVM_BUILTIN_INFO)
#undef SHAPEVM_BUILTIN_INFO
};

inline constexpr uint32_t kBuiltinCount = sizeof(kBuiltinInfo) / sizeof(kBuiltinInfo[0]);

// Index of the built-in called `name`, or -1.
inline int findBuiltin(std::string_view name) {
  for (uint32_t i = 0; i < kBuiltinCount; ++i) {
    if (kBuiltinInfo[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace shapevm
