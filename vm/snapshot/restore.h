// Rebuilding a VM from validated snapshot data and a relocation plan. Every
// check that needs the program happens here before the VM is touched: frames'
// ips are reachable instruction boundaries, each return address follows a
// call, frame bases and the stack top match the operand depths the verifier
// proved for those positions, handlers catch at valid targets with the right
// stack size, closures run by frames belong to them. Only then is the heap
// rebuilt (objects first as empty shells, then filled, with collection
// paused until the restored roots hold them), and last, with side effects on
// disk, open files are reopened.
#pragma once

#include <optional>

#include "snapshot/relocation.h"
#include "snapshot/snapshot_data.h"

namespace shapevm {

enum class RestoreMode {
  Run,     // reopen files (truncating written ones back to their saved length)
  Verify,  // check everything, touch no file
};

// `vm` has loaded the program `plan` was made for and has not started.
// `mappings` (--map-path) say where the job's files are now.
std::optional<Diagnostic> restoreVm(const SnapshotData& data, const RelocationPlan& plan, VM& vm,
                                    RestoreMode mode, const std::vector<PathMapping>& mappings);

}  // namespace shapevm
