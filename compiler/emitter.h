// The bytecode emitter: a resolved tree (resolver.h) to the functions of a
// Program. `<main>` (the top-level code) is function 0; every FunctionNode
// follows in source order.
//
// Invariants of the emitted code:
// - Statements leave the operand stack empty, so every jump between statements
//   and every try handler sees the same stack depth.
// - No unreachable instruction is emitted: after return/throw/jump/break the
//   emitter stops emitting until a label that some jump targets is bound.
// - maxStack is tracked exactly while emitting (the verifier re-checks it).
// - A block whose locals are captured ends with `close FIRST_CAPTURED_SLOT`, and
//   break/continue/catch close the cells of the scopes they leave.
// - The output depends only on the source: constants are numbered in order of
//   first use and no container keyed by address decides any order.
#pragma once

#include "bytecode/program.h"
#include "compiler/ast.h"
#include "compiler/diagnostic_sink.h"

namespace shapevm {

// Appends `<main>` and every function of `parsed` to `out.functions` and sets
// `out.entry`. Limits (constants per function, operand sizes) go to `sink`.
void emitProgram(const ParsedProgram& parsed, Program& out, DiagnosticSink& sink);

}  // namespace shapevm
