// A snapshot's heap decoded straight into the VM's heap objects, for a resume
// into the snapshot's own program (and for verify). The canonical scanner
// (canonical_objects.h) hands its objects over a batch at a time, each is made
// at once as the heap object it describes, with its references still object
// ids, and once every object exists the ids become pointers and everything is
// checked. The decoded form the general path goes through (snapshot_data.h's
// objects and pools: 140 MB for a 1M-object heap, written once, read once,
// and appended from the second thread's part) is never built: its pools hold
// one batch at a time and stay in the cache (docs/design.md, "Resuming
// straight into the heap").
//
// It is an accelerator, as the scanner is: it accepts only what the general
// path (readSnapshotFile, planRelocation, restoreVm) would restore to the same
// VM, and gives up on anything else: text that is not canonical, a reference,
// key or count that any check of the general path refuses, a record whose
// fields would move. The caller then resumes through the general path, which
// gives the file its verdict and message.
#pragma once

#include <memory>
#include <optional>

#include "interp/vm.h"
#include "snapshot/restore.h"
#include "snapshot/snapshot_data.h"

namespace shapevm {

// Decodes data.deferredHeap (HeapReading::Defer) into `vm`, which has loaded
// the snapshot's own program and has not started, and makes the checks the
// reader makes of a heap, and those of the relocation plan and the restorer
// that concern objects; data.functionNames then lists every function name in
// the file. nullopt if anything is not as the general path would accept it:
// `vm` is then reset, for the caller to start over.
std::optional<BuiltHeap> buildHeapStraight(SnapshotData& data, std::unique_ptr<VM>& vm);

}  // namespace shapevm
