// `shapevm inspect SNAP`: prints a snapshot's status, steps, program, frames
// (function and source line), globals and heap statistics. A malformed or
// corrupt snapshot exits with status 3, like every bad input file.
#include <fmt/format.h>

#include "commands.h"
#include "snapshot/snapshot.h"

namespace shapevm::cli {

void addInspectCommand(CLI::App& app, int& exitStatus) {
  auto* command = app.add_subcommand("inspect", "Summarize a snapshot");
  auto snapshot = std::make_shared<std::string>();
  command->add_option("snapshot", *snapshot, "The snapshot file")->required();
  command->callback([snapshot, &exitStatus] {
    Result<std::string> summary = inspectSnapshot(*snapshot);
    if (!summary) {
      fmt::print(stderr, "{}\n", summary.error().format());
      exitStatus = kExitBadInput;
      return;
    }
    fmt::print("{}", summary.value());
    exitStatus = kExitOk;
  });
}

}  // namespace shapevm::cli
