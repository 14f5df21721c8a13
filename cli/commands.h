// The shapevm command is a thin table of subcommands over the libraries; each
// subcommand lives in its own cli/cmd_*.cpp and registers itself on the app.
// A subcommand's callback stores the process exit status in `exitStatus`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace shapevm::cli {

// Exit statuses of docs/cli.md ("Exit status").
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitBadInput = 3;
inline constexpr int kExitNotRelocatable = 4;
inline constexpr int kExitSuspended = 75;

void addRunCommand(CLI::App& app, int& exitStatus);
void addResumeCommand(CLI::App& app, int& exitStatus);
void addCompileCommand(CLI::App& app, int& exitStatus);
void addAsmCommand(CLI::App& app, int& exitStatus);
void addDisasmCommand(CLI::App& app, int& exitStatus);
void addInspectCommand(CLI::App& app, int& exitStatus);
void addVerifyCommand(CLI::App& app, int& exitStatus);
void addJobCommand(CLI::App& app, int& exitStatus);

}  // namespace shapevm::cli
