// Fuzz target: the .sbc reader and verifier, then what they accept must
// round-trip (written .sbc and its disassembly read back to the same
// functions) and run, bounded, with every snapshot it writes readable again.
#include <cstddef>
#include <cstdint>

#include "asm/assembler.h"
#include "bytecode/sbc.h"
#include "fuzz_support.h"

using namespace shapevm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::span<const uint8_t> bytes(data, size);
  Result<Program> program = readSbc(bytes, "fuzz.sbc");
  if (!program) return 0;

  std::vector<uint8_t> written = writeSbc(program.value());
  Result<Program> reread = readSbc(written, "fuzz.sbc");
  if (!reread) fuzz::finding("a written .sbc is rejected", reread.error().format());
  if (writeSbc(reread.value()) != written) fuzz::finding("writing .sbc twice differs", "");

  std::string text = disassemble(program.value());
  Result<Program> assembled = assemble(text, "fuzz.sasm");
  if (!assembled) fuzz::finding("a disassembly does not assemble", assembled.error().format());
  const std::vector<Function>& before = program.value().functions;
  const std::vector<Function>& after = assembled.value().functions;
  if (before.size() != after.size()) fuzz::finding("disasm/asm changes the function count", text);
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (!(before[i].hash == after[i].hash)) {
      fuzz::finding("disasm/asm changes the content hash of " + before[i].name, text);
    }
  }

  if (fuzz::mayOpenFiles(program.value())) return 0;
  ProgramLoader loader = [&](const std::string&) -> Result<Program> {
    return readSbc(bytes, "fuzz.sbc");
  };
  VM vm(fuzz::boundedOptions());
  if (vm.load(std::move(program.value()))) return 0;
  vm.start({});
  fuzz::runBounded(vm, "fuzz.sbc", loader);
  return 0;
}
