// `shapevm resume [OPTIONS] SNAP`: continues the run saved in SNAP, in the
// program it names or, with --program NEW, relocated into NEW. The next
// suspension or checkpoint replaces SNAP itself unless --snapshot says
// otherwise; --seed is accepted and ignored (the snapshot carries the RNG).
#include <fmt/format.h>

#include <cstdio>

#include "commands.h"
#include "log.h"
#include "program_loader.h"
#include "session.h"
#include "snapshot/snapshot.h"
#include "suspend_signals.h"

namespace shapevm::cli {

void addResumeCommand(CLI::App& app, int& exitStatus) {
  auto* command = app.add_subcommand("resume", "Continue a run saved in a snapshot");
  auto options = std::make_shared<SessionOptions>();
  auto snapshot = std::make_shared<std::string>();
  auto newProgram = std::make_shared<std::optional<std::string>>();
  addSessionOptions(*command, *options);
  command->add_option("--program", *newProgram,
                      "Relocate the saved run into NEW (a .sbc or .shape) and continue there");
  auto relocate = std::make_shared<std::string>("live");
  command
      ->add_option("--relocate", *relocate,
                   "live (default): frames move into changed code where their statement is "
                   "unchanged; exact: refuse unless every frame's function is unchanged")
      ->check(CLI::IsMember({"live", "exact"}));
  auto dryRun = std::make_shared<bool>(false);
  command->add_flag("--dry-run", *dryRun,
                    "Print what relocation decides for every frame, type and global; run nothing");
  auto mappings = std::make_shared<std::vector<std::string>>();
  command
      ->add_option("--map-path", *mappings,
                   "OLD=NEW: the job's files under directory OLD are now under NEW (repeatable)")
      ->check([](const std::string& text) {
        Result<PathMapping> mapping = parsePathMapping(text);
        return mapping ? std::string() : mapping.error().message;
      });
  command->add_option("snapshot", *snapshot, "The snapshot to resume")->required();
  command->callback([options, snapshot, newProgram, mappings, relocate, dryRun, &exitStatus] {
    configureLogging(*options);
    // Before loading: a scheduler's SIGTERM while a large program or snapshot
    // loads is kept and suspends the run at its first instruction boundary.
    acceptSuspendSignals();
    ResumeRequest request;
    request.snapshotPath = *snapshot;
    request.newProgramPath = *newProgram;
    request.options = options->vmOptions();
    request.loadProgram = loadProgramFile;
    for (const std::string& text : *mappings) {
      request.pathMappings.push_back(*parsePathMapping(text));  // checked above
    }
    request.exactRelocation = *relocate == "exact";
    request.dryRun = *dryRun;
    auto resumed = resumeSnapshot(request);
    const std::vector<std::string>& report = std::visit(
        [](const auto& result) -> const std::vector<std::string>& { return result.report; },
        resumed);
    for (const std::string& line : report) {
      if (*dryRun) {
        fmt::print("{}\n", line);
      } else {
        log::info("relocation: {}", line);
      }
    }
    std::fflush(stdout);  // the report comes before any error
    if (auto* error = std::get_if<ResumeError>(&resumed)) {
      int status =
          error->kind == ResumeFailure::NotRelocatable ? kExitNotRelocatable : kExitBadInput;
      std::string message = error->diagnostic.format();
      fmt::print(stderr, "{}\n", message);
      reportFailure(*options, status, message);
      exitStatus = status;
      return;
    }
    ResumedVM& ready = std::get<ResumedVM>(resumed);
    if (*dryRun) {
      fmt::print("the resume would proceed\n");
      exitStatus = 0;
      return;
    }
    exitStatus = runSession(*ready.vm, *options, options->snapshotPath.value_or(*snapshot),
                            ready.programPath);
  });
}

}  // namespace shapevm::cli
