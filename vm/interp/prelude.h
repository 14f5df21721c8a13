// The prelude: the built-in methods that call guest functions (array map,
// filter, sort with a comparator, ...; map map/filter/forEach), written in
// Shape (prelude.shape), compiled to assembly (prelude_sasm.inc, made by
// scripts/gen-prelude) and appended to every loaded program. Running them as
// ordinary frames keeps guest calls off the C++ stack, so a program can be
// suspended inside a callback and resumed; their content hashes are the same
// in every program, so their frames relocate like any other.
#pragma once

#include <vector>

#include "bytecode/program.h"
#include "interp/natives.h"

namespace shapevm {

struct PreludeMethod {
  Function function;  // named "$array.NAME" or "$map.NAME"; the receiver is parameter 0
  bool onMaps;        // a method of maps, else of arrays
  MethodId method;
};

// The prelude functions, in a fixed order.
const std::vector<PreludeMethod>& preludeMethods();

}  // namespace shapevm
