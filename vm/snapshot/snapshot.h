// Snapshots: the whole VM state as JSON (docs/snapshot-format.md), written
// atomically (temp file, fsync, rename) and read back with full validation.
//
// The module's parts, one concern per file:
//   snapshot_keys.h      the JSON member names, for the writer, reader and scanner,
//   snapshot_writer.cpp  VM -> JSON text (object ids: object_ids.h), and the
//                        host's run loop that saves a snapshot at each stop,
//   atomic_file.cpp      durable replacement,
//   snapshot_reader.cpp  JSON text -> SnapshotData: the file, header, checksum and
//                        "state"; its parts in snapshot_reader_values.cpp (values
//                        and objects), _frames.cpp, _globals.cpp (program, rng,
//                        globals, host) and _references.cpp (cross-references),
//                        sharing the class of snapshot_reader_internal.h,
//   canonical_objects.cpp  the reader's fast path for the heap as written
//                        (core/huge_pages.h: huge pages under its large pools),
//   relocation.cpp       SnapshotData names -> functions/types/globals of a program,
//   code_shape.cpp       instruction boundaries and verified stack depths,
//   restore.cpp          SnapshotData + plan -> a VM ready to run,
//   resume.cpp           the entry points below, inspect.cpp  `shapevm inspect`.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "bytecode/diagnostic.h"
#include "interp/vm.h"
#include "snapshot/file_identity.h"

namespace shapevm {

// Writes `vm` (stopped at an instruction boundary) to `path`, atomically.
// `programPath` is recorded so that `resume` without --program can reload it.
// Returns an error message on failure; the previous file at `path` is then intact.
std::optional<std::string> writeSnapshot(const VM& vm, const std::string& path,
                                         const std::string& programPath, SnapshotReason reason);

// The snapshot text writeSnapshot would write (for tests and benchmarks).
// `error` is set if an open file's position cannot be determined.
// `snapshotPath` is recorded as where the snapshot was written.
std::string encodeSnapshot(const VM& vm, const std::string& snapshotPath,
                           const std::string& programPath, SnapshotReason reason,
                           std::optional<std::string>* error);

// Takes the snapshot of a VM stopped at a snapshot point (writes it, as a rule);
// an error message on failure.
using SnapshotSaver = std::function<std::optional<std::string>(VM&, SnapshotReason)>;

// Runs `vm` (started or resumed) the way a host does: at each snapshot point
// run() stops at, `save` takes the snapshot, and after a checkpoint the run
// goes on. Returns how the run ended: Suspended once a suspension's snapshot
// is saved, Error ("snapshot failed: ...") as soon as `save` fails.
RunOutcome runSavingSnapshots(VM& vm, const SnapshotSaver& save);

enum class ResumeFailure { BadInput = 3, NotRelocatable = 4 };

struct ResumeError {
  ResumeFailure kind;
  Diagnostic diagnostic;
  std::vector<std::string> report;  // what relocation decided, up to the failure
};

struct ResumedVM {
  std::unique_ptr<VM> vm;
  std::string programPath;  // the program now running (for the next snapshot)
  // With --program: one line per frame (same, remapped), record field and
  // global that relocation changed (docs/suspend-resume.md).
  std::vector<std::string> report;
  // Whether the heap was decoded straight into heap objects (straight_heap.h)
  // rather than through its decoded form; the VM is the same either way.
  bool heapStraight = false;
};

using ProgramLoader = std::function<Result<Program>(const std::string&)>;

// Reads and validates the snapshot at `snapshotPath`, loads its program (or
// `newProgramPath` when given, relocating frames, closures and globals into
// it), and returns a VM ready to run(). `loadProgram` turns a path into a
// verified Program (.sbc or .shape). Without a new program, the program at the
// recorded path must have the recorded program hash.
struct ResumeRequest {
  std::string snapshotPath;
  std::optional<std::string> newProgramPath;
  VMOptions options;  // maxSteps, checkpointEvery, maxMemory; seed is ignored
  ProgramLoader loadProgram;
  // --map-path: where the job's files are now. A snapshot that is no longer
  // where it was written, of a job with open files, needs at least one.
  std::vector<PathMapping> pathMappings;
  // --relocate exact: every live frame's function must be unchanged.
  bool exactRelocation = false;
  // --dry-run: everything up to the restored VM, but no file is reopened
  // (the VM returned is not to be run).
  bool dryRun = false;
  // False: the heap goes through its decoded form even where it could go
  // straight into heap objects, to compare the two.
  bool heapStraight = true;
};
std::variant<ResumedVM, ResumeError> resumeSnapshot(const ResumeRequest& request);

// What verifySnapshotFile does with the heap it rebuilt, once it passed.
enum class VerifiedHeap {
  Free,
  AbandonAtExit,  // the process exits next: see Heap::abandonAtExit
};

// Validates without running (`shapevm verify SNAP`): everything resume checks,
// including against the recorded program, but no file is reopened.
std::optional<Diagnostic> verifySnapshotFile(const std::string& path,
                                             const ProgramLoader& loadProgram,
                                             VerifiedHeap heap = VerifiedHeap::Free);

// Human-readable summary (`shapevm inspect SNAP`); error if the file is invalid.
// Needs no program: frames carry their function names and source lines.
Result<std::string> inspectSnapshot(const std::string& path);

}  // namespace shapevm
