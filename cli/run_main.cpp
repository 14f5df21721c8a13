// `shapevm-run`: the subcommands that never read a snapshot (run, compile, asm,
// disasm), which the launcher runs for them. Without the snapshot reader this
// program needs no JSON library and links the C++ runtime statically, so a
// run starts with a smaller resident set (docs/design.md, "Memory").
#include "command_line.h"
#include "commands.h"

int main(int argc, char** argv) {
  using namespace shapevm::cli;
  constexpr AddCommand kCommands[] = {addRunCommand, addCompileCommand, addAsmCommand,
                                      addDisasmCommand};
  return runCommandLine(argc, argv, kCommands);
}
