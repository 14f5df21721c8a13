// Content hashes of functions: XXH3-128 over a canonical encoding of a
// function's name, arity, locals, captures, constants and code, in which every
// reference to another function, global, record type or built-in is encoded
// by *name* rather than by index. Moving, adding or removing other functions or
// globals therefore leaves an unchanged function's hash unchanged; the line
// table is not hashed either, so moving a function inside its file keeps its
// hash. The encoding walks the opcode table, so a new opcode is hashed as soon
// as it has a row.
#pragma once

#include "bytecode/program.h"

namespace shapevm {

// Requires the program to be verified (operands in range).
FunctionHash hashFunction(const Program& program, const Function& function);
// Fills Function::hash for every function.
void computeHashes(Program& program);

}  // namespace shapevm
