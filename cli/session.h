// What `run` and `resume` share: their options (docs/cli.md, "Options of run
// and resume"), running a VM to its end or suspension, reporting the
// outcome on stderr and in --status-json, and mapping it to an exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "interp/vm.h"

namespace shapevm::cli {

struct SessionOptions {
  std::optional<uint64_t> maxSteps;
  std::optional<uint64_t> checkpointEvery;
  std::optional<std::string> snapshotPath;
  uint64_t seed = 0;
  int suspendExitCode = 75;
  std::optional<std::string> statusJsonPath;
  std::string logLevel = "warn";
  std::size_t maxMemoryMiB = kDefaultMaxMemory >> 20;

  VMOptions vmOptions() const;
};

// `job` keeps its snapshot in its state directory: it has no --snapshot.
enum class SessionKind { RunOrResume, Job };
void addSessionOptions(CLI::App& command, SessionOptions& options,
                       SessionKind kind = SessionKind::RunOrResume);
// Applies --log-level to the process-wide logger.
void configureLogging(const SessionOptions& options);

// Runs `vm` (already loaded and started, or restored), writing snapshots to
// `snapshotPath` and recording `programPath` in them. Returns the exit status,
// for the process to exit with: the VM's heap is abandoned on the way out
// (Heap::abandonAtExit), and the VM must not run again.
// `outcome`, if given, receives how the run ended.
int runSession(VM& vm, const SessionOptions& options, const std::string& snapshotPath,
               const std::string& programPath, RunStatus* outcome = nullptr);

// Writes the --status-json report for a run that stopped before running
// (bad input): status "error" with `exitCode` and `message`.
void reportFailure(const SessionOptions& options, int exitCode, const std::string& message);

}  // namespace shapevm::cli
