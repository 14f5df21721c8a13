// Live relocation of frames: a saved frame whose function changed in the new
// program moves into the new code when the statement it is in (for a caller,
// the call it waits in) is unchanged, and so are the loops and `try` blocks
// around it (docs/suspend-resume.md, "Patching a running job").
//
// How a frame is moved:
// - Both versions of the function are seen statement by statement through
//   their debug information (program.h). A statement's *own code* is its
//   code less that of the statements nested in it; it is compared
//   instruction by instruction, locals by name, constants by value, globals,
//   functions and types by name, and branch targets by where they land in
//   the statement (so slot numbers, constant order and the length of other
//   statements do not matter).
// - The statement holding the frame's instruction is found in the new code
//   by walking down from the function body: at each level the children are
//   matched by their whole content from both ends, and a changed child in
//   the middle by its own code (an `if` whose condition changed still
//   contains the same statement).
// - The frame's instruction moves to the same place in the matching
//   statement; the operand stack there must have the same depth. Locals
//   move by name (the innermost of several with one name first); a local the
//   new code adds starts as none, one it no longer has is dropped, and a
//   dropped local's open upvalue is closed with its value. Handlers of the
//   frame move with their `try`.
// The snapshot data is rewritten as if it had been taken in the new program;
// the usual checks of restore.cpp then apply to the result.
//
// A frame that cannot move keeps running its old code (old_code.h) and moves
// at the first statement start or loop head it reaches from which the same
// move succeeds: installCodeMoves patches those places in the old code.
#pragma once

#include <string>
#include <vector>

#include "snapshot/snapshot.h"
#include "snapshot/snapshot_data.h"

namespace shapevm {

class VM;

// What keeps running the old code of its function (old_code.h): a frame that
// cannot move now, and moves to the new code at the first statement where it
// can (installCodeMoves); or a closure whose function now captures other
// variables.
struct OldCodeUse {
  bool isClosure = false;
  std::size_t index = 0;     // the frame's index, or the closure's object id
  uint32_t oldFunction = 0;  // index in the snapshot's embedded program
};

struct FrameRemap {
  std::vector<std::string> problems;  // frames that cannot resume at all
  std::vector<OldCodeUse> oldCode;
};

// Moves every frame of `data` whose function (by hash) is not in `target` but
// whose old code is in `old` (the program embedded in the snapshot), and lists
// the frames that cannot move now and the closures that cannot be re-bound.
// Appends one line per frame and per such closure to `report`.
// With problems, `data` is unchanged: the caller refuses the relocation.
FrameRemap remapFrames(SnapshotData& data, const Program& old, const Program& target,
                       std::vector<std::string>& report);

// For each function of the loaded program that is old code ("NAME (old
// code)") of a function NAME it also holds, patches the places where a frame
// running it can continue in NAME (CodeMove, interp/vm.h).
void installCodeMoves(VM& vm);

}  // namespace shapevm
