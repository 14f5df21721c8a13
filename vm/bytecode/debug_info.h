// Queries over a function's debug information (program.h: StatementInfo,
// LocalInfo), shared by relocation and `inspect`. All of them accept any
// verified function, with or without debug information.
#pragma once

#include <cstdint>
#include <vector>

#include "bytecode/program.h"

namespace shapevm {

// The locals that hold a variable while the instruction at `offset` runs,
// one per slot (where ranges of one slot overlap, the later declaration),
// in order of declaration.
std::vector<const LocalInfo*> liveLocals(const Function& function, uint32_t offset);

// The innermost statement whose code contains `offset`, or -1 (the function
// body's own code: its final return, for example).
int32_t innermostStatement(const Function& function, uint32_t offset);

// Whether a local's name is one of the compiler's hidden slots.
inline bool isHiddenLocal(const LocalInfo& local) {
  return !local.name.empty() && local.name.front() == '(';
}

}  // namespace shapevm
