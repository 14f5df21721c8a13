// The snapshot module's entry points for `resume` and `verify`: read the
// file, load the program it names (or the new one), check the program's
// identity, plan the relocation and rebuild the VM (see snapshot.h).
#include <fmt/format.h>

#include <filesystem>

#include "bytecode/sbc.h"
#include "bytecode/verifier.h"
#include "core/huge_blocks.h"
#include "snapshot/frame_remap.h"
#include "snapshot/old_code.h"
#include "snapshot/relocation.h"
#include "snapshot/restore.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_reader.h"
#include "snapshot/straight_heap.h"

namespace shapevm {

namespace {

ResumeError badInput(Diagnostic diagnostic) {
  return ResumeError{ResumeFailure::BadInput, std::move(diagnostic), {}};
}

// A copied job resumed from its copy would otherwise go on writing the
// original's files (their recorded paths are absolute). When the snapshot is
// no longer where it was written and a copy of one of its open files sits at
// the same place relative to it, which files are the job's is ambiguous: the
// user says, with --map-path. A snapshot moved on its own resumes as usual.
std::optional<Diagnostic> checkNotCopied(const SnapshotData& data, const std::string& snapshotPath,
                                         const std::vector<PathMapping>& mappings) {
  if (!data.host.present || data.host.files.empty() || !mappings.empty()) return std::nullopt;
  namespace fs = std::filesystem;
  std::error_code ignored;
  fs::path here = fs::absolute(snapshotPath, ignored).lexically_normal();
  fs::path written(std::string(data.host.writtenTo));
  if (here == written) return std::nullopt;
  std::vector<PathMapping> moved = {{written.parent_path().string(), here.parent_path().string()}};
  for (const SOpenFile& file : data.host.files) {
    std::string original(file.absolutePath);
    std::string copy = mapPath(original, moved);
    if (copy == original || !fs::exists(copy, ignored)) continue;
    return Diagnostic::inFile(
        snapshotPath,
        fmt::format("the snapshot was written as {} and has moved; its job's open file {} has a "
                    "copy at {}: resume with --map-path {}={} to use the copies, or --map-path "
                    "{}={} to go on with the originals",
                    written.string(), original, copy, moved[0].from, moved[0].to, moved[0].from,
                    moved[0].from));
  }
  return std::nullopt;
}

// Moves the frames whose function changed into the new program (frame_remap.h),
// using the old code embedded in the snapshot. When a frame cannot move now,
// `vm` is replaced by one that runs the new program plus that old code
// (old_code.h).
std::optional<ResumeError> remapChangedFrames(SnapshotData& data, std::unique_ptr<VM>& vm,
                                              const VMOptions& options,
                                              const std::string& programPath,
                                              std::vector<std::string>& report) {
  if (data.programCode.empty()) return std::nullopt;  // version 1: frames must be unchanged
  Result<Program> old = readSbc(data.programCode, data.file + " (embedded program)");
  if (!old) return badInput(old.error());
  FrameRemap remap = remapFrames(data, old.value(), vm->program, report);
  std::vector<std::string> problems = std::move(remap.problems);
  if (problems.empty() && !remap.oldCode.empty()) {
    Program extended = vm->program;
    extended.functions.resize(vm->userFunctionCount);  // load() adds the prelude again
    problems = addOldCode(extended, old.value(), remap.oldCode, report);
    if (problems.empty()) {
      if (auto error = verifyProgram(extended, programPath)) problems.push_back(error->message);
    }
    if (problems.empty()) {
      auto running = std::make_unique<VM>(options);
      if (auto error = running->load(std::move(extended))) return badInput(*error);
      pointAtOldCode(data, running->program, old.value(), remap.oldCode);
      vm = std::move(running);
    }
  }
  if (problems.empty()) return std::nullopt;
  std::string message = fmt::format("cannot relocate the snapshot into {}:", programPath);
  for (const std::string& problem : problems) message += "\n  " + problem;
  return ResumeError{ResumeFailure::NotRelocatable, Diagnostic::inFile(data.file, message), report};
}

// What prepareWith returns when a heap decoded straight (straight_heap.h)
// met anything the general path would not accept as it is, or anything else
// failed after it: the general path then starts over and gives the verdict,
// with its message.
struct StartOver {};
using Prepared = std::variant<ResumedVM, ResumeError, StartOver>;

Prepared prepareWith(const std::string& snapshotPath,
                     const std::optional<std::string>& newProgramPath, const VMOptions& options,
                     const ProgramLoader& loadProgram, RestoreMode mode,
                     const std::vector<PathMapping>& mappings, bool exactRelocation,
                     HeapReading heapReading) {
  bool relocating = newProgramPath.has_value();
  // A relocation goes through the decoded heap, which it may change.
  Result<SnapshotData> data =
      readSnapshotFile(snapshotPath, relocating ? HeapReading::Decode : heapReading);
  if (!data) return badInput(data.error());
  bool straight = data->deferredHeap.has_value();
  auto fail = [straight](ResumeError error) -> Prepared {
    if (straight) return StartOver{};
    return error;
  };
  // Version 3 files' identities are in the heap: checked once it is read.
  if (mode == RestoreMode::Run && !straight) {
    if (auto error = checkNotCopied(*data, snapshotPath, mappings)) return badInput(*error);
  }
  bool embedded = !relocating && !data->programCode.empty();
  std::string programPath = relocating ? *newProgramPath : data->programPath;
  // A path read from the snapshot must name a regular file: a FIFO there
  // would block the loader and a device such as /dev/zero never ends.
  std::error_code missing;  // reported by the loader, with the reason
  std::filesystem::file_type type = std::filesystem::status(programPath, missing).type();
  // The embedded program is untrusted input like any .sbc: read and verified.
  Result<Program> program = embedded
                                ? readSbc(data->programCode, snapshotPath + " (embedded program)")
                            : relocating || missing || type == std::filesystem::file_type::regular
                                ? loadProgram(programPath)
                                : Diagnostic::inFile(programPath, "not a regular file");
  if (!program) {
    Diagnostic error = program.error();
    if (!relocating && !embedded) {
      error.message = fmt::format("{} (the program of snapshot {})", error.message, snapshotPath);
    }
    return fail(badInput(std::move(error)));
  }
  auto vm = std::make_unique<VM>(options);
  if (auto error = vm->load(std::move(program.value()))) return fail(badInput(*error));
  if (!relocating) {
    FunctionHash actual = programIdentity(vm->program);
    if (embedded && !(actual == data->programHash)) {
      return fail(badInput(Diagnostic::inFile(
          snapshotPath, fmt::format("the program embedded in the snapshot has hash {}, not the "
                                    "recorded {}",
                                    actual.hex(), data->programHash.hex()))));
    }
    if (!(actual == data->programHash)) {
      return fail(badInput(Diagnostic::inFile(
          snapshotPath,
          fmt::format("the program {} has changed since the snapshot was taken (program hash {} "
                      "instead of {}); resume with --program {} to relocate into the new version",
                      programPath, actual.hex(), data->programHash.hex(), programPath))));
    }
  }
  std::optional<BuiltHeap> built;
  if (straight) {
    built = buildHeapStraight(*data, vm);
    if (!built) return StartOver{};
    if (mode == RestoreMode::Run && checkNotCopied(*data, snapshotPath, mappings)) {
      return StartOver{};
    }
  }
  std::vector<std::string> report;
  if (relocating && !exactRelocation) {
    if (auto error = remapChangedFrames(*data, vm, options, programPath, report)) return *error;
  }
  auto plan = planRelocation(*data, *vm, relocating, !exactRelocation, programPath, report);
  if (auto* error = std::get_if<ResumeError>(&plan)) {
    error->report = std::move(report);
    return fail(std::move(*error));
  }
  if (auto error = restoreVm(*data, std::get<RelocationPlan>(plan), *vm, mode, mappings,
                             built ? &*built : nullptr)) {
    return fail(ResumeError{ResumeFailure::BadInput, std::move(*error), std::move(report)});
  }
  installCodeMoves(*vm);
  std::error_code ignored;
  std::string absolute = std::filesystem::absolute(programPath, ignored).string();
  return ResumedVM{std::move(vm), absolute.empty() ? programPath : absolute, std::move(report),
                   built.has_value()};
}

// The heap goes straight into heap objects when it can (straight_heap.h),
// through its decoded form otherwise.
std::variant<ResumedVM, ResumeError> prepare(const std::string& snapshotPath,
                                             const std::optional<std::string>& newProgramPath,
                                             const VMOptions& options,
                                             const ProgramLoader& loadProgram, RestoreMode mode,
                                             const std::vector<PathMapping>& mappings,
                                             bool exactRelocation = false,
                                             bool heapStraight = true) {
  // The memory the file and its decoding free on the way is the rebuilt
  // heap's (huge_blocks.h).
  huge_blocks::Recycling recycling;
  Prepared prepared =
      prepareWith(snapshotPath, newProgramPath, options, loadProgram, mode, mappings,
                  exactRelocation, heapStraight ? HeapReading::Defer : HeapReading::Decode);
  if (std::holds_alternative<StartOver>(prepared)) {
    prepared = prepareWith(snapshotPath, newProgramPath, options, loadProgram, mode, mappings,
                           exactRelocation, HeapReading::Decode);
  }
  if (auto* error = std::get_if<ResumeError>(&prepared)) return std::move(*error);
  return std::move(std::get<ResumedVM>(prepared));
}

}  // namespace

std::variant<ResumedVM, ResumeError> resumeSnapshot(const ResumeRequest& request) {
  return prepare(request.snapshotPath, request.newProgramPath, request.options, request.loadProgram,
                 request.dryRun ? RestoreMode::Verify : RestoreMode::Run, request.pathMappings,
                 request.exactRelocation, request.heapStraight);
}

std::optional<Diagnostic> verifySnapshotFile(const std::string& path,
                                             const ProgramLoader& loadProgram, VerifiedHeap heap) {
  auto result = prepare(path, std::nullopt, VMOptions{}, loadProgram, RestoreMode::Verify, {});
  if (auto* error = std::get_if<ResumeError>(&result)) return error->diagnostic;
  if (heap == VerifiedHeap::AbandonAtExit) std::get<ResumedVM>(result).vm->heap.abandonAtExit();
  return std::nullopt;
}

}  // namespace shapevm
