// The resolver: decides what every name in the tree refers to and where every
// variable lives, and reports the static errors of the language.
//
// - Top-level `let/var/const` and `function` declarations are globals, hoisted:
//   any code may name them, wherever they are declared. A top-level function
//   is bound to its global at load time (GlobalDecl::function).
// - Everything else is a local: parameters take slots 0..arity-1, later locals
//   follow, and the slots of a block are reused once the block ends.
// - A function naming a local of an enclosing function captures it (upvalue);
//   the local's Binding is marked `captured` so the emitter closes its cell
//   when its scope ends.
// - Errors: undeclared names, assignment to undeclared names, consts,
//   functions or built-ins, redeclaration in one scope, break/continue outside
//   a loop, return at the top level, `..` outside `for`, unknown record fields.
#pragma once

#include "bytecode/program.h"
#include "compiler/ast.h"
#include "compiler/diagnostic_sink.h"

namespace shapevm {

// Annotates `parsed` and fills `out.types` and `out.globals`.
void resolveProgram(ParsedProgram& parsed, Program& out, DiagnosticSink& sink);

}  // namespace shapevm
