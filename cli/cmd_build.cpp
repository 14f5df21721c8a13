// The program-building commands: `compile` (.shape -> .sbc), `asm`
// (.sasm -> .sbc) and `disasm` (.sbc -> text). Bad input exits with status 3.
#include <fmt/format.h>

#include <fstream>

#include "asm/assembler.h"
#include "bytecode/input_file.h"
#include "bytecode/sbc.h"
#include "commands.h"
#include "compiler/compiler.h"
#include "program_loader.h"

namespace shapevm::cli {

namespace {

// Writes `bytes` to `path`; on failure prints why and returns false.
bool writeFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    fmt::print(stderr, "{}: cannot write output file\n", path);
    return false;
  }
  return true;
}

struct BuildArgs {
  std::string input;
  std::string output;
};

}  // namespace

void addCompileCommand(CLI::App& app, int& exitStatus) {
  auto* command = app.add_subcommand("compile", "Compile a .shape source file to .sbc bytecode");
  auto args = std::make_shared<BuildArgs>();
  command->add_option("source", args->input, "The .shape file")->required();
  command->add_option("-o,--output", args->output, "The .sbc file to write")->required();
  command->callback([args, &exitStatus] {
    Result<std::string> source = readInputFile(args->input);
    if (!source) {
      fmt::print(stderr, "{}\n", source.error().format());
      exitStatus = kExitBadInput;
      return;
    }
    CompileResult compiled = compileSource(source.value(), args->input);
    if (!compiled.program) {
      for (const Diagnostic& error : compiled.errors) fmt::print(stderr, "{}\n", error.format());
      exitStatus = kExitBadInput;
      return;
    }
    exitStatus = writeFile(args->output, writeSbc(*compiled.program)) ? kExitOk : kExitError;
  });
}

void addAsmCommand(CLI::App& app, int& exitStatus) {
  auto* command = app.add_subcommand("asm", "Assemble a .sasm text file to .sbc bytecode");
  auto args = std::make_shared<BuildArgs>();
  command->add_option("source", args->input, "The .sasm file")->required();
  command->add_option("-o,--output", args->output, "The .sbc file to write")->required();
  command->callback([args, &exitStatus] {
    Result<std::string> text = readInputFile(args->input);
    if (!text) {
      fmt::print(stderr, "{}\n", text.error().format());
      exitStatus = kExitBadInput;
      return;
    }
    Result<Program> program = assemble(text.value(), args->input);
    if (!program) {
      fmt::print(stderr, "{}\n", program.error().format());
      exitStatus = kExitBadInput;
      return;
    }
    exitStatus = writeFile(args->output, writeSbc(program.value())) ? kExitOk : kExitError;
  });
}

void addDisasmCommand(CLI::App& app, int& exitStatus) {
  auto* command = app.add_subcommand("disasm", "Print a .sbc program as assembly text");
  auto input = std::make_shared<std::string>();
  command->add_option("program", *input, "The .sbc file")->required();
  command->callback([input, &exitStatus] {
    Result<Program> program = loadSbcFile(*input);
    if (!program) {
      fmt::print(stderr, "{}\n", program.error().format());
      exitStatus = kExitBadInput;
      return;
    }
    fmt::print("{}", disassemble(program.value()));
    exitStatus = kExitOk;
  });
}

}  // namespace shapevm::cli
