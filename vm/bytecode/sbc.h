// The binary .sbc format (docs/bytecode.md): reading verifies everything before
// returning a Program; nothing read from the file is trusted.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bytecode/diagnostic.h"
#include "bytecode/program.h"

namespace shapevm {

inline constexpr char kSbcMagic[4] = {'S', 'B', 'C', '1'};
inline constexpr uint32_t kSbcVersion = 7;        // what writeSbc writes
inline constexpr uint32_t kOldestSbcVersion = 1;  // readSbc reads versions from here on

// How many opcodes (the first rows of the opcode table) a file of `version`
// may use: 133 before version 4, which added raise_error and move_frame; 135
// in version 4; version 5 added set_field_l and the arithmetic _set forms (151
// in all), version 6 set_index_ll, the _kl forms and the _k compare-and-branches
// (169), version 7 the _into forms.
constexpr uint32_t opcodeCountOfVersion(uint32_t version) {
  return version < 4 ? 133 : version < 5 ? 135 : version < 6 ? 151 : version < 7 ? 169 : kOpCount;
}

// The file in the layout of `version` (1: without debug information; 1 and
// 2: without field defaults, which those versions cannot hold; before 5:
// without the functions' source files).
std::vector<uint8_t> writeSbc(const Program& program, uint32_t version = kSbcVersion);
// Parses, verifies (bytecode/verifier.h) and hashes. `fileName` is used in messages.
Result<Program> readSbc(std::span<const uint8_t> bytes, const std::string& fileName);
// Reads the file, then readSbc. I/O errors become diagnostics too.
Result<Program> loadSbcFile(const std::string& path);
// XXH3-128 of the program's version 1 encoding (everything but the debug
// information, which does not change what it does), followed by its field
// defaults when it declares any: the program's identity in snapshots, the
// same for a program whatever version its file has.
FunctionHash programHash(const Program& program);

}  // namespace shapevm
