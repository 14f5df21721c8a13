// Helpers for the snapshot tests: compile programs from source strings, run
// them until they suspend (writing a real snapshot file in a temporary
// directory), resume them from a snapshot file, and edit snapshot text while
// keeping its checksum valid (to test the validation behind the checksum).
#pragma once

#include <xxhash.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "compiler/compiler.h"
#include "snapshot/json_text.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_data.h"

namespace shapevm::test {

inline Program compileOrFail(const std::string& source, const std::string& name = "test.shape") {
  CompileResult compiled = compileSource(source, name);
  if (!compiled.program) FAIL("does not compile: " << compiled.errors.at(0).format());
  return std::move(*compiled.program);
}

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ =
        std::filesystem::temp_directory_path() /
        ("shapevm-snapshot-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Recomputes the header's checksum after `text` was edited.
inline std::string fixChecksum(std::string text) {
  std::size_t newline = text.find('\n');
  REQUIRE(newline != std::string::npos);
  std::size_t at = text.find("\"checksum\": \"");
  REQUIRE(at < newline);
  at += 13;
  std::string hex;
  appendHex64(hex, XXH3_64bits(text.data() + newline + 1, text.size() - newline - 1));
  text.replace(at, 16, hex);
  return text;
}

// Replaces the first occurrence of `from` (which must exist) and fixes the checksum.
inline std::string editSnapshot(const std::string& text, const std::string& from,
                                const std::string& to) {
  std::size_t at = text.find(from);
  INFO("looking for " << from);
  REQUIRE(at != std::string::npos);
  std::string edited = text;
  edited.replace(at, from.size(), to);
  return fixChecksum(edited);
}

// `text` as version 1 wrote it: without the embedded program, the host and
// the open files' identities.
inline std::string asVersion1(const std::string& text) {
  std::string old = std::regex_replace(text, std::regex(R"re(, "code": "[A-Za-z0-9+/=]*")re"), "");
  old = std::regex_replace(
      old,
      std::regex(
          R"re(,\n"host": \{"cwd": "[^"]*", "written_to": "[^"]*", "stdout": (null|\{[^}]*\})\})re"),
      "");
  old = std::regex_replace(
      old,
      std::regex(
          R"re(, "absolute": "[^"]*", "length": [0-9]+, "head": "[0-9a-f]{16}", "tail": "[0-9a-f]{16}")re"),
      "");
  std::size_t version = old.find("\"version\": " + std::to_string(kSnapshotVersion));
  REQUIRE(version != std::string::npos);
  old.replace(version, 12, "\"version\": 1");
  return fixChecksum(old);
}

// Programs by (fake) path, compiled on demand: the loader resume uses.
struct Programs {
  std::map<std::string, std::string> sources;

  ProgramLoader loader() const {
    return [this](const std::string& path) -> Result<Program> {
      // Resumed runs record absolute paths: match by file name too.
      auto it = sources.find(path);
      if (it == sources.end()) it = sources.find(std::filesystem::path(path).filename().string());
      if (it == sources.end()) return Diagnostic::inFile(path, "no such test program");
      CompileResult compiled = compileSource(it->second, path);
      if (!compiled.program) return compiled.errors.at(0);
      return std::move(*compiled.program);
    };
  }
};

struct RunResult {
  RunOutcome outcome;
  std::string output;
};

// Runs `vm` with its output captured, writing snapshots to `snapshotPath`
// that name `programPath`.
inline RunResult runCaptured(VM& vm, const std::string& snapshotPath,
                             const std::string& programPath) {
  RunResult result;
  vm.outputSink = &result.output;
  result.outcome = runSavingSnapshots(vm, [&](VM& machine, SnapshotReason reason) {
    return writeSnapshot(machine, snapshotPath, programPath, reason);
  });
  vm.flushOutput();
  vm.outputSink = nullptr;
  return result;
}

// Starts program `path` of `programs` and runs it (at most `maxSteps` steps).
inline RunResult startProgram(const Programs& programs, const std::string& path,
                              const std::string& snapshotPath,
                              std::optional<uint64_t> maxSteps = std::nullopt,
                              std::vector<std::string> args = {}) {
  Result<Program> program = programs.loader()(path);
  if (!program) FAIL(program.error().format());
  VMOptions options;
  options.maxSteps = maxSteps;
  VM vm(options);
  REQUIRE_FALSE(vm.load(std::move(program.value())));
  vm.start(std::move(args));
  return runCaptured(vm, snapshotPath, path);
}

inline std::variant<ResumedVM, ResumeError> resumeFrom(
    const Programs& programs, const std::string& snapshotPath,
    std::optional<std::string> newProgram = std::nullopt,
    std::optional<uint64_t> maxSteps = std::nullopt, bool exactRelocation = false) {
  ResumeRequest request;
  request.snapshotPath = snapshotPath;
  request.newProgramPath = std::move(newProgram);
  request.exactRelocation = exactRelocation;
  request.options.maxSteps = maxSteps;
  request.loadProgram = programs.loader();
  return resumeSnapshot(request);
}

// Resumes and runs to the next stop; fails the test if resuming fails.
inline RunResult resumeAndRun(const Programs& programs, const std::string& snapshotPath,
                              std::optional<std::string> newProgram = std::nullopt,
                              std::optional<uint64_t> maxSteps = std::nullopt) {
  auto resumed = resumeFrom(programs, snapshotPath, newProgram, maxSteps);
  if (auto* error = std::get_if<ResumeError>(&resumed)) FAIL(error->diagnostic.format());
  ResumedVM& ready = std::get<ResumedVM>(resumed);
  return runCaptured(*ready.vm, snapshotPath, ready.programPath);
}

// The diagnostic of a resume that must fail with `kind`.
inline std::string resumeFailure(const Programs& programs, const std::string& snapshotPath,
                                 ResumeFailure kind,
                                 std::optional<std::string> newProgram = std::nullopt,
                                 bool exactRelocation = false) {
  auto resumed =
      resumeFrom(programs, snapshotPath, std::move(newProgram), std::nullopt, exactRelocation);
  auto* error = std::get_if<ResumeError>(&resumed);
  REQUIRE(error != nullptr);
  CHECK(error->kind == kind);
  return error->diagnostic.format();
}

}  // namespace shapevm::test
