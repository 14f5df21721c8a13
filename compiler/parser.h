// The parser: tokens to a ParsedProgram (ast.h). Recursive descent for
// statements, precedence climbing for binary operators.
//
// Robustness rules:
// - Every recursive parse function holds a depth guard; past kMaxNesting it
//   reports "nesting too deep" and unwinds, so no input can exhaust the C++
//   stack. Nodes built by loops (operator chains, call chains) check their
//   height against the same limit.
// - On an error the statement is abandoned and the parser skips to the next
//   statement boundary (newline or ';' outside brackets, or the closing '}'),
//   so one run reports several errors. Every error path consumes a token or
//   stops at '}' / end of file, so parsing always terminates.
#pragma once

#include <string_view>

#include "compiler/ast.h"
#include "compiler/diagnostic_sink.h"
#include "compiler/module_loader.h"

namespace shapevm {

// Parses the lexed files of a program (their tokens are moved into the
// parser); errors go to `sink` (the tree is then incomplete).
ParsedProgram parseProgram(ProgramSources& sources, DiagnosticSink& sink);

}  // namespace shapevm
