// `shapevm verify FILE`: checks a .sbc program or a snapshot thoroughly without
// running it. A snapshot is recognised by its content (a JSON object).
#include <fmt/format.h>

#include <fstream>

#include "bytecode/sbc.h"
#include "commands.h"
#include "program_loader.h"
#include "snapshot/snapshot.h"

namespace shapevm::cli {

namespace {

bool looksLikeJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char c;
  while (in.get(c)) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{';
  }
  return false;
}

}  // namespace

void addVerifyCommand(CLI::App& app, int& exitStatus) {
  auto* command =
      app.add_subcommand("verify", "Check a .sbc program or a snapshot without running it");
  auto input = std::make_shared<std::string>();
  command->add_option("file", *input, "A .sbc, .shape or snapshot file")->required();
  command->callback([input, &exitStatus] {
    std::optional<Diagnostic> problem;
    if (looksLikeJson(*input)) {
      problem = verifySnapshotFile(*input, loadProgramFile, VerifiedHeap::AbandonAtExit);
    } else {
      Result<Program> program = loadProgramFile(*input);
      if (!program) problem = program.error();
    }
    if (problem) {
      fmt::print(stderr, "{}\n", problem->format());
      exitStatus = kExitBadInput;
      return;
    }
    fmt::print("{}: valid\n", *input);
    exitStatus = kExitOk;
  });
}

}  // namespace shapevm::cli
