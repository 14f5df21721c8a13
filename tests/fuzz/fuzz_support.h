// What the fuzz targets share: how a finding is reported, the bounded run of
// a program, and the round-trip oracle for snapshots (a snapshot the VM
// writes must be accepted by its own reader and restorer).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "bytecode/builtin_names.h"
#include "bytecode/program.h"
#include "interp/vm.h"
#include "snapshot/snapshot.h"

namespace shapevm::fuzz {

// A broken invariant: libFuzzer records the input that led here.
[[noreturn]] inline void finding(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "FINDING: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// Fuzzed programs run only when they cannot name files: open() with a
// mutated path could write anywhere the fuzzer may. Over-approximate: any
// word that could be `builtin open` counts.
inline bool mayOpenFiles(const Program& program) {
  static const uint32_t kOpen = static_cast<uint32_t>(findBuiltin("open"));
  for (const Function& function : program.functions) {
    for (Instr word : function.code) {
      if (instrOp(word) == Op::GetBuiltin && instrA(word) == kOpen) return true;
    }
  }
  return false;
}

// A scratch file of this process for snapshots (tmpfs when there is one).
inline const std::string& scratchSnapshotPath() {
  static const std::string path =
      std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/shapevm-fuzz-" +
      std::to_string(::getpid()) + ".snap.json";
  return path;
}

// Writes `vm`'s snapshot (naming `programPath`) and checks that it reads back
// and restores with `loader`.
inline void checkSnapshotReadsBack(const VM& vm, const std::string& programPath,
                                   const ProgramLoader& loader, SnapshotReason reason) {
  std::optional<std::string> error;
  std::string text = encodeSnapshot(vm, scratchSnapshotPath(), programPath, reason, &error);
  if (error) return;  // a snapshot the writer itself declines (reported to the user)
  {
    std::ofstream out(scratchSnapshotPath(), std::ios::binary | std::ios::trunc);
    out << text;
  }
  if (std::optional<Diagnostic> problem = verifySnapshotFile(scratchSnapshotPath(), loader)) {
    finding("the VM wrote a snapshot its own reader rejects", problem->format());
  }
}

// Runs a loaded VM for at most `maxSteps` instructions (set in its options),
// output discarded; the first snapshot it writes goes through the oracle.
inline RunOutcome runBounded(VM& vm, const std::string& programPath, const ProgramLoader& loader) {
  std::string output;
  vm.outputSink = &output;
  int checked = 0;
  RunOutcome outcome =
      runSavingSnapshots(vm, [&](VM& machine, SnapshotReason reason) -> std::optional<std::string> {
        if (checked++ == 0) checkSnapshotReadsBack(machine, programPath, loader, reason);
        output.clear();
        return std::nullopt;
      });
  vm.outputSink = nullptr;
  return outcome;
}

// Limits of a fuzzed run: small enough for thousands of runs a second.
inline VMOptions boundedOptions() {
  VMOptions options;
  options.maxSteps = 5000;
  options.maxMemory = std::size_t{64} << 20;
  return options;
}

}  // namespace shapevm::fuzz
