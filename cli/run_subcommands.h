// The subcommands `shapevm-run` has: those that never read a snapshot. One
// list for the launcher, which sends these to `shapevm-run` and the rest to
// `shapevm-vm`, and for run_main.cpp, which registers them (it checks the
// count at compile time; tests/cli/subcommand_programs.sh runs each
// subcommand through the launcher). Header-only: the launcher links nothing
// but the C library.
#pragma once

#include <string_view>

inline constexpr std::string_view kRunSubcommands[] = {"run", "compile", "asm", "disasm"};
