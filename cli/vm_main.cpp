// `shapevm-vm`: every subcommand (docs/cli.md). The launcher runs it for the
// ones that read snapshots: resume, inspect, verify and job.
#include "command_line.h"
#include "commands.h"

int main(int argc, char** argv) {
  using namespace shapevm::cli;
  constexpr AddCommand kCommands[] = {
      addRunCommand,    addResumeCommand,  addCompileCommand, addAsmCommand,
      addDisasmCommand, addInspectCommand, addVerifyCommand,  addJobCommand,
  };
  return runCommandLine(argc, argv, kCommands);
}
