// Every name in a program (functions, their captures, globals, types and
// fields) must be valid UTF-8: snapshots write names as JSON strings, and a
// name that is not UTF-8 made a snapshot the VM's own reader rejects.
// (String constants may hold any bytes; snapshots encode those losslessly.)
#pragma once

#include <optional>
#include <string>

#include "bytecode/diagnostic.h"
#include "bytecode/program.h"

namespace shapevm {

// The first name that is not valid UTF-8, as a diagnostic.
std::optional<Diagnostic> checkNamesAreUtf8(const Program& program, const std::string& fileName);

}  // namespace shapevm
