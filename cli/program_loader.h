// Loading a program named on the command line: a .shape file is compiled in
// memory, anything else is read as .sbc. Either way the result is verified.
#pragma once

#include <string>

#include "bytecode/diagnostic.h"
#include "bytecode/program.h"

namespace shapevm::cli {

Result<Program> loadProgramFile(const std::string& path);

}  // namespace shapevm::cli
