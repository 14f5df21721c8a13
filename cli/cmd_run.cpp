// `shapevm run [OPTIONS] PROG [ARGS...]`: loads a .sbc or .shape program and
// runs it. Every word after PROG goes to the program unchanged.
#include <fmt/format.h>

#include <filesystem>

#include "commands.h"
#include "program_loader.h"
#include "session.h"
#include "suspend_signals.h"

namespace shapevm::cli {

void addRunCommand(CLI::App& app, int& exitStatus) {
  auto* command = app.add_subcommand("run", "Run a .sbc or .shape program");
  auto options = std::make_shared<SessionOptions>();
  addSessionOptions(*command, *options);
  // Options stop at PROG: it and every word after it are left unparsed.
  command->prefix_command();
  command->footer("PROG [ARGS...]  the program (.sbc or .shape) and its arguments (see args())");
  command->callback([command, options, &exitStatus] {
    std::vector<std::string> words = command->remaining();
    if (words.empty()) throw CLI::RequiredError("PROG");
    configureLogging(*options);
    // Before loading: a scheduler's SIGTERM while a large program or snapshot
    // loads is kept and suspends the run at its first instruction boundary.
    acceptSuspendSignals();
    std::string programPath = words.front();
    std::vector<std::string> args(words.begin() + 1, words.end());
    Result<Program> program = loadProgramFile(programPath);
    if (!program) {
      std::string message = program.error().format();
      fmt::print(stderr, "{}\n", message);
      reportFailure(*options, kExitBadInput, message);
      exitStatus = kExitBadInput;
      return;
    }
    VM vm(options->vmOptions());
    if (auto error = vm.load(std::move(program.value()))) {
      std::string message = error->format();
      fmt::print(stderr, "{}\n", message);
      reportFailure(*options, kExitBadInput, message);
      exitStatus = kExitBadInput;
      return;
    }
    vm.start(std::move(args));
    std::error_code ignored;
    std::string absolute = std::filesystem::absolute(programPath, ignored).string();
    exitStatus = runSession(vm, *options, options->snapshotPath.value_or("shapevm.snap.json"),
                            absolute.empty() ? programPath : absolute);
  });
}

}  // namespace shapevm::cli
