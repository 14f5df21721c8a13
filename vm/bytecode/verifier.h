// The verifier: proves a Program safe to run before any instruction executes.
// Checks every operand against its table, that every jump lands on an
// instruction boundary inside its function, that the stack depth is the same
// on every path into an instruction and stays within [0, maxStack], that
// captures, line tables, globals and types are well formed, and that function
// names are unique. The interpreter relies on all of this and checks none of it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bytecode/diagnostic.h"
#include "bytecode/program.h"

namespace shapevm {

// nullopt if valid; otherwise the first problem, naming function and offset.
std::optional<Diagnostic> verifyProgram(const Program& program, const std::string& fileName);

// The stack-depth analysis alone, for producers (compiler, assembler) that
// compute maxStack instead of declaring it: the deepest operand stack any path
// through `function` reaches, or the first inconsistency found.
Result<uint32_t> computeMaxStack(const Program& program, const Function& function,
                                 const std::string& fileName);

// The operand stack depth (above the locals) on entry to every instruction of
// function `function` of `program`, one entry per code word: kNoStackDepth
// where no instruction starts or no path reaches one. The program should have
// passed verifyProgram; the first problem is returned if it would not.
inline constexpr int32_t kNoStackDepth = -1;
Result<std::vector<int32_t>> stackDepths(const Program& program, uint32_t function);

}  // namespace shapevm
