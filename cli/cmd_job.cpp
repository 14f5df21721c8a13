// `shapevm job --state DIR [OPTIONS] PROG [ARGS...]`: the one idempotent line
// a scheduler needs (docs/cli.md, "job"). Each invocation does what the state
// directory calls for: start the job, resume it, or, once it has finished,
// nothing but exit with its recorded status. It may be killed at any moment
// (SIGKILL included) and started again any number of times.
//
// DIR holds `snapshot.json` (the job's latest snapshot: the first is written
// before the first instruction, so even a restart from the very beginning is a
// resume that truncates the files and stdout back), `finished.json` once the
// job has ended, and `lock`, held while an invocation runs.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "log.h"
#include "program_loader.h"
#include "session.h"
#include "snapshot/atomic_file.h"
#include "snapshot/snapshot.h"
#include "suspend_signals.h"

namespace shapevm::cli {

namespace {

namespace fs = std::filesystem;

// The exit status recorded in DIR/finished.json, if the job has finished.
std::optional<int> recordedExitStatus(const fs::path& finished) {
  std::ifstream in(finished, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string json = text.str();
  constexpr std::string_view kKey = "\"exit_code\": ";
  std::size_t at = json.find(kKey);
  int status = 0;
  if (at == std::string::npos ||
      std::from_chars(json.data() + at + kKey.size(), json.data() + json.size(), status).ec !=
          std::errc() ||
      status < 0 || status > 255) {
    return std::nullopt;
  }
  return status;
}

const char* runStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::Finished:
      return "finished";
    case RunStatus::Exited:
      return "exited";
    case RunStatus::Error:
      return "error";
    case RunStatus::Suspended:
    case RunStatus::CheckpointDue:  // not returned by runSavingSnapshots
      return "suspended";
  }
  return "?";
}

// Fails with a message and status 3 (bad input) or 1.
int fail(const SessionOptions& options, int status, const std::string& message) {
  fmt::print(stderr, "{}\n", message);
  reportFailure(options, status, message);
  return status;
}

int runJob(const SessionOptions& options, const fs::path& state,
           const std::vector<std::string>& words) {
  std::error_code error;
  fs::create_directories(state, error);
  if (error) {
    return fail(options, kExitError,
                fmt::format("shapevm job: cannot create state directory {}: {}", state.string(),
                            error.message()));
  }
  // One invocation at a time: a scheduler may start the next before the
  // last has quite gone. The lock goes with the process, even on SIGKILL.
  std::string lockPath = (state / "lock").string();
  int lock = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
    return fail(options, kExitError,
                fmt::format("shapevm job: {} is in use by another shapevm job", state.string()));
  }
  fs::path snapshot = state / "snapshot.json";
  fs::path finished = state / "finished.json";
  // Temporary files of writes that a SIGKILL interrupted.
  for (const fs::directory_entry& entry : fs::directory_iterator(state, error)) {
    if (entry.path().filename().string().starts_with("snapshot.json.tmp.")) {
      log::info("removing {}, left by an interrupted write", entry.path().string());
      fs::remove(entry.path(), error);
    }
  }
  if (fs::exists(finished)) {
    std::optional<int> status = recordedExitStatus(finished);
    if (!status) {
      return fail(options, kExitBadInput,
                  fmt::format("{}: not a finished-job record", finished.string()));
    }
    log::info("the job in {} has finished with status {}; nothing to do", state.string(), *status);
    return *status;
  }

  std::unique_ptr<VM> vm;
  std::string programPath;
  if (fs::exists(snapshot)) {
    ResumeRequest request;
    request.snapshotPath = snapshot.string();
    request.options = options.vmOptions();
    request.loadProgram = loadProgramFile;
    auto resumed = resumeSnapshot(request);
    if (auto* failure = std::get_if<ResumeError>(&resumed)) {
      return fail(options, kExitBadInput, failure->diagnostic.format());
    }
    vm = std::move(std::get<ResumedVM>(resumed).vm);
    programPath = std::get<ResumedVM>(resumed).programPath;
    log::info("resuming the job in {} at step {}", state.string(), vm->totalSteps);
  } else {
    Result<Program> program = loadProgramFile(words.front());
    if (!program) return fail(options, kExitBadInput, program.error().format());
    vm = std::make_unique<VM>(options.vmOptions());
    if (auto problem = vm->load(std::move(program.value()))) {
      return fail(options, kExitBadInput, problem->format());
    }
    vm->start(std::vector<std::string>(words.begin() + 1, words.end()));
    programPath = fs::absolute(words.front(), error).string();
    // From here on every restart is a resume, even one from the start.
    if (auto problem = writeSnapshot(*vm, snapshot.string(), programPath,
                                     SnapshotReason::PeriodicCheckpoint)) {
      return fail(options, kExitError, fmt::format("shapevm job: {}", *problem));
    }
    log::info("started the job in {}", state.string());
  }

  RunStatus outcome = RunStatus::Finished;
  int status = runSession(*vm, options, snapshot.string(), programPath, &outcome);
  if (outcome == RunStatus::Suspended) return status;
  // Finished (normally, by exit() or with an uncaught error): recorded first,
  // then the snapshot goes, so a kill in between still finds the record.
  std::string record =
      fmt::format("{{\"status\": \"{}\", \"exit_code\": {}, \"total_steps\": {}}}\n",
                  runStatusName(outcome), status, vm->totalSteps);
  if (auto problem = writeFileAtomically(finished.string(), record)) {
    return fail(options, kExitError, fmt::format("shapevm job: {}", *problem));
  }
  fs::remove(snapshot, error);
  return status;
}

}  // namespace

void addJobCommand(CLI::App& app, int& exitStatus) {
  auto* command = app.add_subcommand(
      "job", "Run, resume or skip a job as its state directory says (for schedulers)");
  auto options = std::make_shared<SessionOptions>();
  auto state = std::make_shared<std::string>();
  addSessionOptions(*command, *options, SessionKind::Job);
  command->add_option("--state", *state, "The job's state directory (created if missing)")
      ->required();
  command->prefix_command();
  command->footer(
      "PROG [ARGS...]  the program (.sbc or .shape) and its arguments, used when the job starts");
  command->callback([command, options, state, &exitStatus] {
    std::vector<std::string> words = command->remaining();
    if (words.empty()) throw CLI::RequiredError("PROG");
    configureLogging(*options);
    acceptSuspendSignals();
    exitStatus = runJob(*options, *state, words);
  });
}

}  // namespace shapevm::cli
