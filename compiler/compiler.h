// The Shape compiler: source text (docs/language.md) to a verified,
// hashed Program, the same form the assembler produces.
// Pipeline: lexer -> parser -> AST -> resolver -> bytecode emitter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/diagnostic.h"
#include "bytecode/program.h"

namespace shapevm {

struct CompileResult {
  std::optional<Program> program;  // set when there are no errors
  std::vector<Diagnostic> errors;  // file:line:col, message, excerpt with caret
};

CompileResult compileSource(std::string_view source, const std::string& fileName);

}  // namespace shapevm
