// The shapevm command: a table of subcommands over the libraries. Command-line
// mistakes exit with status 2 (shared/spec/cli.md); everything else is decided
// by the subcommand.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace shapevm::cli;
  // Logs go to stderr so they never mix with the program's stdout.
  spdlog::set_default_logger(spdlog::stderr_color_mt("shapevm"));
  spdlog::set_level(spdlog::level::warn);

  CLI::App app{"shapevm: a suspendable bytecode VM for the Shape language", "shapevm"};
  app.set_version_flag("--version", SHAPEVM_VERSION);
  app.require_subcommand(1);
  int exitStatus = kExitOk;
  constexpr void (*kCommands[])(CLI::App&, int&) = {
      addRunCommand,    addResumeCommand,  addCompileCommand, addAsmCommand,
      addDisasmCommand, addInspectCommand, addVerifyCommand,
  };
  for (auto add : kCommands) add(app, exitStatus);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return exitStatus;
}
