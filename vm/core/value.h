// A Value is a 16-byte tagged word: an 8-byte payload and a 1-byte type tag.
//
// Why not NaN-boxing: the language's `int` is a full 64-bit wrapping integer.
// NaN-boxing leaves at most ~50 payload bits, so every int outside that range
// would need a heap box, and wrapping arithmetic (the hash and RNG loops batch
// jobs are made of) would allocate on every overflow. A tag beside the payload
// keeps all ints inline, makes int arithmetic a plain machine add, and costs one
// extra word per slot — the layout Lua 5.4 uses (TValue) for the same reasons.
//
// Functions declared in the program are not heap objects: a Function value holds
// the function's index in the loaded program. Closures (functions with captured
// variables) are heap objects.
#pragma once

#include <cstdint>
#include <cstring>

namespace shapevm {

struct Obj;

enum class ValueType : uint64_t {
  None,
  Bool,
  Int,
  Float,
  Function,  // payload: index of a function in the loaded program
  Native,    // payload: index of a built-in function (see interp/builtins.h)
  Object,    // payload: pointer to a heap object (see object.h)
  Empty,     // internal marker (deleted map slot); never visible to programs
};

struct Value {
  union {
    int64_t i;
    double f;
    bool b;
    uint32_t index;
    Obj* obj;
  } as;
  ValueType type;

  constexpr Value() : as{.i = 0}, type(ValueType::None) {}

  static constexpr Value none() { return Value(); }
  static constexpr Value boolean(bool b) {
    Value v;
    v.type = ValueType::Bool;
    v.as.i = 0;
    v.as.b = b;
    return v;
  }
  static constexpr Value integer(int64_t i) {
    Value v;
    v.type = ValueType::Int;
    v.as.i = i;
    return v;
  }
  static Value floating(double f) {
    Value v;
    v.type = ValueType::Float;
    v.as.f = f;
    return v;
  }
  static constexpr Value function(uint32_t index) {
    Value v;
    v.type = ValueType::Function;
    v.as.i = 0;
    v.as.index = index;
    return v;
  }
  static constexpr Value native(uint32_t index) {
    Value v;
    v.type = ValueType::Native;
    v.as.i = 0;
    v.as.index = index;
    return v;
  }
  static Value object(Obj* o) {
    Value v;
    v.type = ValueType::Object;
    v.as.obj = o;
    return v;
  }
  static constexpr Value empty() {
    Value v;
    v.type = ValueType::Empty;
    return v;
  }

  bool isNone() const { return type == ValueType::None; }
  bool isBool() const { return type == ValueType::Bool; }
  bool isInt() const { return type == ValueType::Int; }
  bool isFloat() const { return type == ValueType::Float; }
  bool isNumber() const { return type == ValueType::Int || type == ValueType::Float; }
  bool isObject() const { return type == ValueType::Object; }
  bool isEmpty() const { return type == ValueType::Empty; }

  double asNumber() const { return type == ValueType::Int ? static_cast<double>(as.i) : as.f; }
};

// Wrapping arithmetic: the language's ints are two's complement and wrap, which
// in C++ signed overflow is undefined, so the arithmetic goes through unsigned.
inline int64_t wrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t wrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t wrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
inline int64_t wrapNeg(int64_t a) { return static_cast<int64_t>(0 - static_cast<uint64_t>(a)); }

}  // namespace shapevm
