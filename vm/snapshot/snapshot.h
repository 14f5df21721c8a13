// Snapshots: the whole VM state as JSON (docs/snapshot-format.md), written
// atomically (temp file, fsync, rename) and read back with full validation.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "bytecode/diagnostic.h"
#include "interp/vm.h"

namespace shapevm {

// Writes `vm` (stopped at an instruction boundary) to `path`, atomically.
// `programPath` is recorded so that `resume` without --program can reload it.
// Returns an error message on failure; the previous file at `path` is then intact.
std::optional<std::string> writeSnapshot(const VM& vm, const std::string& path,
                                         const std::string& programPath, SnapshotReason reason);

enum class ResumeFailure { BadInput = 3, NotRelocatable = 4 };

struct ResumeError {
  ResumeFailure kind;
  Diagnostic diagnostic;
};

struct ResumedVM {
  std::unique_ptr<VM> vm;
  std::string programPath;  // the program now running (for the next snapshot)
};

// Reads and validates the snapshot at `snapshotPath`, loads its program (or
// `newProgram` when given, relocating frames, closures and globals into it),
// and returns a VM ready to run(). `loadProgram` turns a path into a verified
// Program (.sbc or .shape).
struct ResumeRequest {
  std::string snapshotPath;
  std::optional<std::string> newProgramPath;
  VMOptions options;  // maxSteps, checkpointEvery, maxMemory; seed is ignored
  std::function<Result<Program>(const std::string&)> loadProgram;
};
std::variant<ResumedVM, ResumeError> resumeSnapshot(const ResumeRequest& request);

// Validates without running (`shapevm verify SNAP`).
std::optional<Diagnostic> verifySnapshotFile(const std::string& path,
                                             const std::function<Result<Program>(const std::string&)>& loadProgram);

// Human-readable summary (`shapevm inspect SNAP`); error if the file is invalid.
Result<std::string> inspectSnapshot(const std::string& path);

}  // namespace shapevm
