// The prelude: built-in methods that call guest functions (array map, filter,
// reduce), written as bytecode and appended to every loaded program. Running
// them as ordinary frames keeps guest calls off the C++ stack, so a program
// can be suspended inside a callback and resumed; their content hashes are the
// same in every program, so their frames relocate like any other.
#pragma once

#include <vector>

#include "bytecode/program.h"

namespace shapevm {

inline constexpr const char* kPreludeMap = "$array.map";
inline constexpr const char* kPreludeFilter = "$array.filter";
inline constexpr const char* kPreludeReduce = "$array.reduce";

// The prelude functions, in a fixed order.
std::vector<Function> buildPrelude();

}  // namespace shapevm
