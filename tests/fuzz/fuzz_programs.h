// The examples (examples/*.shape and *.sasm), compiled once: the programs the
// seed snapshots were taken from, which fuzzed snapshots name by file name.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "asm/assembler.h"
#include "compiler/compiler.h"
#include "snapshot/snapshot.h"

namespace shapevm::fuzz {

struct Example {
  std::string source;
  Program program;
  std::vector<std::string> args;  // from NAME.args, one per whitespace-separated word
};

inline std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// By file name ("calc.shape"). Examples that do not build are left out.
inline const std::map<std::string, Example>& examples() {
  static const std::map<std::string, Example> all = [] {
    std::map<std::string, Example> found;
    for (const auto& entry : std::filesystem::directory_iterator(
             std::filesystem::path(SHAPEVM_SOURCE_DIR) / "examples")) {
      std::string name = entry.path().filename().string();
      std::string extension = entry.path().extension().string();
      if (extension != ".shape" && extension != ".sasm") continue;
      Example example;
      example.source = readWholeFile(entry.path());
      Result<Program> program = extension == ".shape" ? [&]() -> Result<Program> {
        CompileResult compiled = compileSource(example.source, name);
        if (!compiled.program) return compiled.errors.at(0);
        return std::move(*compiled.program);
      }()
          : assemble(example.source, name);
      if (!program) continue;
      example.program = std::move(program.value());
      std::istringstream args(readWholeFile(entry.path().string() + ".args"));
      for (std::string word; args >> word;) example.args.push_back(word);
      found.emplace(name, std::move(example));
    }
    return found;
  }();
  return all;
}

// Resolves a snapshot's program path to an example by its file name.
inline ProgramLoader exampleLoader() {
  return [](const std::string& path) -> Result<Program> {
    auto it = examples().find(std::filesystem::path(path).filename().string());
    if (it == examples().end()) return Diagnostic::inFile(path, "not one of the examples");
    return Program(it->second.program);
  };
}

}  // namespace shapevm::fuzz
