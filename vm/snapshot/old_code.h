// Old code kept running after a relocation (docs/suspend-resume.md,
// "Patching a running job"). A frame whose statement changed cannot move into
// the new code where it stands, so the VM runs the new program plus a copy of
// that frame's old function, named "NAME (old code)". The copy reaches the
// new program by name: its globals, the functions it calls through them and
// its record types are those of the new program, so every call it makes runs
// new code. What the new program no longer has is added for it: a global
// keeps its saved value, and a removed function becomes one that raises
// NameError when old code calls it. The frame then moves into NAME at the
// first place where it can (frame_remap.h, installCodeMoves).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bytecode/program.h"
#include "snapshot/frame_remap.h"
#include "snapshot/snapshot_data.h"

namespace shapevm {

inline constexpr std::string_view kOldCodeSuffix = " (old code)";

// "NAME (old code)" for NAME; the name itself for a copy.
std::string oldCodeName(std::string_view name);
bool isOldCodeName(std::string_view name);
// NAME for "NAME (old code)"; any other name as it is.
std::string_view baseFunctionName(std::string_view name);

// Appends to `program` (the new program's own functions, before the prelude)
// the old code that `uses` run, copied from `old`, and what that code needs
// (the copies of the closures it creates whose captures changed, globals,
// types and stand-ins for removed functions); describes each addition in
// `report`. Returns why it cannot (old code that builds records of a type
// whose fields changed).
std::vector<std::string> addOldCode(Program& program, const Program& old,
                                    const std::vector<OldCodeUse>& uses,
                                    std::vector<std::string>& report);

// Points the frames and closures of `uses` in `data`, the frames' handlers
// and the closures they run at the copies in `loaded` (the program addOldCode
// extended, loaded by a VM).
void pointAtOldCode(SnapshotData& data, const Program& loaded, const Program& old,
                    const std::vector<OldCodeUse>& uses);

}  // namespace shapevm
