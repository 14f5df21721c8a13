// The body of both VM executables' main (docs/cli.md, "How shapevm starts"):
// `shapevm-vm` registers every subcommand, `shapevm-run` only those that never
// read a snapshot, so that it links no JSON reader and, with it, no shared
// C++ runtime (docs/design.md, "Memory").
#pragma once

#include <CLI/CLI.hpp>
#include <span>

namespace shapevm::cli {

using AddCommand = void (*)(CLI::App& app, int& exitStatus);

// Parses the command line with `commands` registered and runs the chosen one;
// returns the process exit status.
int runCommandLine(int argc, char** argv, std::span<const AddCommand> commands);

}  // namespace shapevm::cli
