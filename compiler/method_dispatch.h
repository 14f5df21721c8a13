// Methods that `impl` and `extend` blocks define (docs/language.md, "Traits,
// impl and extend") are ordinary top-level functions named `Type::method`
// taking `self` first. A call `x.m(a)` of such a method name goes through a
// dispatcher: a generated function `<method m/1>` that picks the function by
// the receiver's type and otherwise calls the value's own method `m`. This
// file builds the dispatchers as syntax trees, so they are resolved, emitted,
// suspended and relocated like any other function; likewise the function
// behind ranges used as values.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "compiler/ast.h"

namespace shapevm {

// One implementation of a method: the function to call and the receivers it
// serves (record types by index, or values whose `type()` is in valueTypes).
struct MethodImplementation {
  std::string function;
  std::vector<uint32_t> types;
  std::vector<std::string> valueTypes;
  SourcePos pos;
};

// The global that dispatches calls of `method` with `argumentCount` arguments.
std::string methodDispatcherName(const std::string& method, std::size_t argumentCount);

// The global holding the function that builds the array of a range value.
inline constexpr const char* kRangeMakerName = "<range>";

// Adds `fn <range>(low, high)`, which returns the array [low, low + 1, ..,
// high - 1]: a range used as a value (`let r = 0..5`) calls it.
void addRangeMaker(ParsedProgram& program, SourcePos pos);

// Adds the dispatcher for `method` called with `argumentCount` arguments to
// the program: a top-level function and the statement that declares it.
void addMethodDispatcher(ParsedProgram& program, const std::string& method,
                         std::size_t argumentCount,
                         const std::vector<MethodImplementation>& implementations);

}  // namespace shapevm
