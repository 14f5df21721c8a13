// Matching what a snapshot names (functions of frames and closures, function
// values, record types, globals) to a loaded program: the same program the
// snapshot was taken from, or a recompiled one (`resume --program NEW`).
//
// Rules (docs/suspend-resume.md, "Patching a running job"; frames whose
// function changed were moved into the new code first, by frame_remap.h):
// - a frame's function is found by content hash; only a frame without a hash
//   falls back to its function id (cross-checked with its name), then to its
//   unique name. Its ip stays an offset inside the function;
// - a closure's function is found by hash; if the function changed, the new
//   function of the same name is used when it captures the same variable
//   names (the upvalues are re-ordered to the new capture order);
// - a function value is matched by name; record types by name, fields by name
//   (a field the saved record lacks starts as its declared default, or none);
// - globals are matched by name; globals only the new program has start as
//   none, or bound to their function when the program binds them at load.
// When resuming into the snapshot's own program, anything that does not match
// exactly means the snapshot is corrupt (BadInput); when relocating it means
// the program changed under a live frame or value (NotRelocatable), and every
// such frame and closure is listed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/huge_vector.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_data.h"

namespace shapevm {

struct RelocationPlan {
  std::vector<uint32_t> frameFunctions;  // per frame
  // Per object: a closure's function, or a record's type (nullptr otherwise).
  HugeVector<uint32_t> closureFunctions;
  HugeVector<const RecordType*> recordTypes;
  // By object id, for the few objects whose slots move: for a closure,
  // upvalue i of the new closure is saved upvalue order[i]; for a record,
  // field i of the type is saved field order[i] (-1: not in the snapshot,
  // starts as the field's declared default, or none). An object not listed
  // keeps its order. (A table with an entry for every object cost fresh
  // memory in proportion to the heap: docs/design.md, "What each snapshot
  // optimisation bought".)
  std::unordered_map<std::size_t, std::vector<int32_t>> slotOrder;
  std::vector<uint32_t> functionValues;  // per SnapshotData::functionNames
  // Per program global: the index of the saved global it takes its value
  // from, kBindFunction (bound to its function), or kStartNone.
  static constexpr int64_t kBindFunction = -1;
  static constexpr int64_t kStartNone = -2;
  std::vector<int64_t> globalSources;
};

// The program's functions by content hash, the first of equal ones: how a
// saved function reference with a hash is found.
using FunctionsByHash = std::unordered_map<FunctionHash, uint32_t, FunctionHash::Hasher>;
FunctionsByHash functionsByHash(const Program& program);

// The VM's type for a record saved as of type `name`: its Error type when
// `builtin`, else the last of the program's types with that name; nullptr if
// there is none.
const RecordType* savedRecordType(const VM& vm, std::string_view name, bool builtin);

// `vm` has loaded the target program (its functions, types and errorType are
// used). `programName` names it in messages. When relocating live (not
// --relocate exact), a record field the new type no longer declares is
// dropped instead of refused; fields added and dropped and globals added and
// dropped are described in `report`.
std::variant<RelocationPlan, ResumeError> planRelocation(const SnapshotData& data, const VM& vm,
                                                         bool relocating, bool live,
                                                         const std::string& programName,
                                                         std::vector<std::string>& report);

}  // namespace shapevm
