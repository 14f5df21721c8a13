// `shapevm-run`: the subcommands that never read a snapshot (run, compile, asm,
// disasm), which the launcher runs for them. Without the snapshot reader this
// program needs no JSON library and links the C++ runtime statically, so a
// run starts with a smaller resident set (docs/design.md, "Memory").
#include <iterator>

#include "command_line.h"
#include "commands.h"
#include "run_subcommands.h"

int main(int argc, char** argv) {
  using namespace shapevm::cli;
  constexpr AddCommand kCommands[] = {addRunCommand, addCompileCommand, addAsmCommand,
                                      addDisasmCommand};
  static_assert(std::size(kCommands) == std::size(kRunSubcommands),
                "run_subcommands.h names the subcommands registered here");
  return runCommandLine(argc, argv, kCommands);
}
