// The textual assembly language (docs/assembly.md): assemble() turns .sasm text
// into a verified, hashed Program; disassemble() prints a Program so that
// assembling the output gives back functions with the same content hashes.
#pragma once

#include <string>
#include <string_view>

#include "bytecode/diagnostic.h"
#include "bytecode/program.h"

namespace shapevm {

// Errors name file:line:col.
Result<Program> assemble(std::string_view text, const std::string& fileName);
std::string disassemble(const Program& program);

}  // namespace shapevm
