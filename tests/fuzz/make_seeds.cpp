// Writes the fuzzers' seed corpora and dictionaries, derived from the
// examples and the opcode table so that they never go stale and no binary
// blobs live in the repository: `make_seeds OUT` fills OUT/compiler,
// OUT/sbc and OUT/snapshot with one file per seed and writes OUT/NAME.dict.
// Run it in a copy of the examples directory: the examples open their data
// files by relative path, and the seed snapshots record those paths.
#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "bytecode/opcodes.h"
#include "bytecode/sbc.h"
#include "fuzz_programs.h"
#include "interp/vm.h"

using namespace shapevm;
namespace fs = std::filesystem;

namespace {

void writeBytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// One dictionary entry in libFuzzer's syntax: a quoted string with \xNN escapes.
std::string dictionaryEntry(std::string_view bytes) {
  std::string entry = "\"";
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      entry += static_cast<char>(c);
    } else {
      entry += fmt::format("\\x{:02x}", c);
    }
  }
  return entry + "\"\n";
}

void writeDictionary(const fs::path& path, const std::set<std::string>& entries) {
  std::string text;
  for (const std::string& entry : entries) text += dictionaryEntry(entry);
  writeBytes(path, text);
}

// The snapshot `example` writes once it has run `steps` instructions, if it
// runs that far.
std::optional<std::string> snapshotAfter(const std::string& name, const fuzz::Example& example,
                                         uint64_t steps) {
  VMOptions options;
  options.maxSteps = steps;
  VM vm(options);
  if (vm.load(Program(example.program))) return std::nullopt;
  vm.start(example.args);
  std::string output;
  vm.outputSink = &output;
  std::optional<std::string> snapshot;
  runSavingSnapshots(vm, [&](VM& machine, SnapshotReason reason) -> std::optional<std::string> {
    std::optional<std::string> error;
    if (!snapshot) snapshot = encodeSnapshot(machine, name + ".snap.json", name, reason, &error);
    if (error) snapshot.reset();
    return std::nullopt;
  });
  vm.outputSink = nullptr;
  return snapshot;
}

// Every quoted member name in a snapshot's text.
void collectKeys(std::string_view text, std::set<std::string>* keys) {
  for (std::size_t at = 0; (at = text.find("\": ", at)) != text.npos; ++at) {
    std::size_t open = text.rfind('"', at - 1);
    if (open != text.npos && at - open < 32)
      keys->insert(std::string(text.substr(open, at - open + 2)));
  }
}

// Words and runs of punctuation of the example sources: the language's
// keywords, operators and built-in names.
void collectTokens(std::string_view source, std::set<std::string>* tokens) {
  std::size_t i = 0;
  while (i < source.size()) {
    auto c = static_cast<unsigned char>(source[i]);
    std::size_t start = i;
    if (std::isalpha(c) || c == '_') {
      while (i < source.size() &&
             (std::isalnum(static_cast<unsigned char>(source[i])) || source[i] == '_'))
        ++i;
    } else if (std::ispunct(c)) {
      while (i < source.size() && std::ispunct(static_cast<unsigned char>(source[i])) &&
             i - start < 3)
        ++i;
    } else {
      ++i;
      continue;
    }
    tokens->insert(std::string(source.substr(start, i - start)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds OUTDIR\n");
    return 2;
  }
  fs::path out = argv[1];
  for (const char* corpus : {"compiler", "sbc", "snapshot"}) fs::create_directories(out / corpus);

  std::set<std::string> tokens, opcodes, keys;
  opcodes.insert(std::string(kSbcMagic, sizeof kSbcMagic));
#define SHAPEVM_OPCODE_WORD(name, mnemonic, format, pops, pushes, flags)            \
  {                                                                                 \
    Instr word = makeInstr(Op::name, 0);                                            \
    opcodes.insert(std::string(reinterpret_cast<const char*>(&word), sizeof word)); \
  }
  SHAPEVM_OPCODES(SHAPEVM_OPCODE_WORD)
#undef SHAPEVM_OPCODE_WORD

  int seeds = 0;
  for (const auto& [name, example] : fuzz::examples()) {
    if (name.ends_with(".shape")) {
      writeBytes(out / "compiler" / name, example.source);
      collectTokens(example.source, &tokens);
      ++seeds;
    }
    std::vector<uint8_t> sbc = writeSbc(example.program);
    writeBytes(out / "sbc" / (name + ".sbc"),
               {reinterpret_cast<const char*>(sbc.data()), sbc.size()});
    ++seeds;
    for (uint64_t steps : {1, 60, 2000, 30000}) {
      std::optional<std::string> snapshot = snapshotAfter(name, example, steps);
      if (!snapshot) continue;
      collectKeys(*snapshot, &keys);
      writeBytes(out / "snapshot" / fmt::format("{}.{}.snap.json", name, steps), *snapshot);
      ++seeds;
    }
  }
  writeDictionary(out / "compiler.dict", tokens);
  writeDictionary(out / "sbc.dict", opcodes);
  writeDictionary(out / "snapshot.dict", keys);
  std::printf("%d seeds from %zu examples in %s\n", seeds, fuzz::examples().size(), out.c_str());
  return 0;
}
