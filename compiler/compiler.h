// The Shape compiler: source text (docs/language.md) to a verified,
// hashed Program, the same form the assembler produces.
// Pipeline: module loader (with the lexer) -> parser -> AST -> resolver ->
// bytecode emitter.
#pragma once

#include <functional>
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

// How the compiler reads the source of a module the program imports.
using ModuleReader = std::function<Result<std::string>(const std::string& path)>;

// Reads a module's file from the file system.
Result<std::string> readModuleFile(const std::string& path);

// Compiles the program whose main file is `source`, named `fileName`; the
// modules it imports are found beside it (docs/language.md, "Modules").
CompileResult compileSource(std::string_view source, const std::string& fileName,
                            const ModuleReader& readModule = readModuleFile);

}  // namespace shapevm
