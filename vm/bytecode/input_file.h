// Reading a whole input file (a program, a source) into memory with a bound:
// a huge file, or a device such as /dev/zero that never ends, becomes a
// diagnostic instead of growing the reader's buffer until allocation fails.
#pragma once

#include <cstddef>
#include <string>

#include "bytecode/diagnostic.h"

namespace shapevm {

// Larger than any program or source the tools produce by orders of magnitude.
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{256} << 20;

// The file's bytes, or a diagnostic naming the path and what is wrong with it.
// Pipes and other streams (`asm /dev/stdin`) are read to their end.
Result<std::string> readInputFile(const std::string& path);

}  // namespace shapevm
