// Fuzz target: the compiler, on any bytes as source. What it accepts must be
// a program its own tools accept again: the written .sbc reads back (and so
// verifies), and the disassembly assembles to functions with the same
// content hashes.
#include <cstddef>
#include <cstdint>

#include "asm/assembler.h"
#include "bytecode/sbc.h"
#include "compiler/compiler.h"
#include "fuzz_support.h"

using namespace shapevm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  CompileResult compiled = compileSource(source, "fuzz.shape");
  if (!compiled.program) {
    if (compiled.errors.empty()) fuzz::finding("a rejected source without a diagnostic", source);
    return 0;
  }
  const Program& program = *compiled.program;
  Result<Program> reread = readSbc(writeSbc(program), "fuzz.sbc");
  if (!reread) fuzz::finding("compiled code written as .sbc is rejected", reread.error().format());
  std::string text = disassemble(program);
  Result<Program> assembled = assemble(text, "fuzz.sasm");
  if (!assembled) fuzz::finding("a disassembly does not assemble", assembled.error().format());
  if (assembled.value().functions.size() != program.functions.size()) {
    fuzz::finding("disasm/asm changes the function count", text);
  }
  for (std::size_t i = 0; i < program.functions.size(); ++i) {
    if (!(assembled.value().functions[i].hash == program.functions[i].hash)) {
      fuzz::finding("disasm/asm changes the content hash of " + program.functions[i].name, text);
    }
  }
  return 0;
}
