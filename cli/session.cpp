// Running a VM for `run` and `resume` (see session.h).
#include "session.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "commands.h"
#include "log.h"
#include "snapshot/json_text.h"
#include "snapshot/snapshot.h"
#include "suspend_signals.h"

namespace shapevm::cli {

VMOptions SessionOptions::vmOptions() const {
  VMOptions vm;
  vm.maxSteps = maxSteps;
  vm.checkpointEvery = checkpointEvery;
  vm.seed = seed;
  vm.maxMemory = maxMemoryMiB << 20;
  return vm;
}

void addSessionOptions(CLI::App& command, SessionOptions& options, SessionKind kind) {
  command.add_option("--max-steps", options.maxSteps,
                     "Suspend once N more bytecode instructions have executed");
  if (kind == SessionKind::RunOrResume) {
    command.add_option("--snapshot", options.snapshotPath,
                       "Where a suspension or checkpoint writes its snapshot");
  }
  command
      .add_option("--checkpoint-every", options.checkpointEvery,
                  "Also write a snapshot every N steps and keep running")
      ->check(CLI::PositiveNumber);
  command.add_option("--seed", options.seed, "Seed of random() (default 0; ignored on resume)");
  command
      .add_option("--suspend-exit-code", options.suspendExitCode,
                  "Exit status used for 'suspended' (default 75)")
      ->check(CLI::Range(0, 255));
  command.add_option("--status-json", options.statusJsonPath,
                     "After the run, write a JSON status report to PATH ('-' for stderr)");
  command
      .add_option("--log-level", options.logLevel, "trace, debug, info, warn (default), error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  command
      .add_option("--max-memory", options.maxMemoryMiB,
                  "Heap limit in MiB; past it the program gets a MemoryError (default 4096)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
}

void configureLogging(const SessionOptions& options) { log::setLevel(options.logLevel); }

namespace {

// A JSON string literal, or null when there is nothing to report.
std::string jsonStringOrNull(const std::optional<std::string>& text) {
  if (!text) return "null";
  std::string out;
  appendJsonString(out, *text);
  return out;
}

void writeStatus(const SessionOptions& options, std::string_view status, int exitCode,
                 uint64_t steps, uint64_t totalSteps, const std::optional<std::string>& snapshot,
                 const std::optional<std::string>& error) {
  if (!options.statusJsonPath) return;
  std::string json = fmt::format(
      "{{\"status\": \"{}\", \"exit_code\": {}, \"steps\": {}, \"total_steps\": {}, "
      "\"snapshot\": {}, \"error\": {}}}\n",
      status, exitCode, steps, totalSteps, jsonStringOrNull(snapshot), jsonStringOrNull(error));
  if (*options.statusJsonPath == "-") {
    std::fputs(json.c_str(), stderr);
    return;
  }
  std::ofstream out(*options.statusJsonPath, std::ios::binary | std::ios::trunc);
  out << json;
  if (!out) log::error("cannot write status report to {}", *options.statusJsonPath);
}

}  // namespace

void reportFailure(const SessionOptions& options, int exitCode, const std::string& message) {
  writeStatus(options, "error", exitCode, 0, 0, std::nullopt, message);
}

int runSession(VM& vm, const SessionOptions& options, const std::string& snapshotPath,
               const std::string& programPath, RunStatus* outcomeStatus) {
  std::optional<std::string> lastSnapshot;
  auto save = [&](VM& machine, SnapshotReason reason) -> std::optional<std::string> {
    auto error = writeSnapshot(machine, snapshotPath, programPath, reason);
    if (!error) {
      lastSnapshot = snapshotPath;
      log::info("snapshot written to {} at step {}", snapshotPath, machine.totalSteps);
    }
    return error;
  };
  // The signal handlers ask this VM to suspend; it stops at its next safe
  // point and the snapshot is written here, outside the interpreter.
  routeSuspendSignals(&vm);
  RunOutcome outcome = runSavingSnapshots(vm, save);
  routeSuspendSignals(nullptr);
  // The process exits after the session, so the heap is left to the
  // operating system rather than freed object by object; this closes the
  // files the program left open.
  vm.heap.abandonAtExit();
  if (outcomeStatus != nullptr) *outcomeStatus = outcome.status;
  switch (outcome.status) {
    case RunStatus::Finished:
    case RunStatus::Exited:
      writeStatus(options, "finished", outcome.exitCode, vm.runSteps, vm.totalSteps, lastSnapshot,
                  std::nullopt);
      return outcome.exitCode;
    case RunStatus::Suspended:
    case RunStatus::CheckpointDue:  // not returned by runSavingSnapshots
      log::info("suspended after {} steps ({} in total)", vm.runSteps, vm.totalSteps);
      writeStatus(options, "suspended", options.suspendExitCode, vm.runSteps, vm.totalSteps,
                  lastSnapshot, std::nullopt);
      return options.suspendExitCode;
    case RunStatus::Error:
      std::fputs(outcome.error.c_str(), stderr);
      writeStatus(options, "error", kExitError, vm.runSteps, vm.totalSteps, lastSnapshot,
                  outcome.error);
      return kExitError;
  }
  return kExitError;
}

}  // namespace shapevm::cli
