// Collects the compiler's error diagnostics. Every stage (lexer, parser,
// resolver, emitter) reports through one sink so that all errors share one
// format: file, 1-based line and column, message, and an excerpt of the
// offending line with a caret under the column.
//
// Invariants: at most one error is kept per source line (a second error on a
// line is almost always a consequence of the first), and after kMaxErrors the
// sink stops collecting, so hostile input cannot make the error list huge.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bytecode/diagnostic.h"

namespace shapevm {

inline constexpr std::size_t kMaxErrors = 50;

class DiagnosticSink {
 public:
  // A sink for one file; addFile() adds the other files of a program.
  DiagnosticSink(std::string_view source, std::string fileName);

  // A file whose line 1 has the line number `firstLine` in the positions the
  // stages report (see SourceFileInfo in ast.h). `source` must outlive the sink.
  void addFile(std::string_view source, std::string fileName, uint32_t firstLine);

  void error(uint32_t line, uint32_t column, std::string message);
  // A problem with no source position (a compiler bug caught by the verifier).
  void internalError(std::string message);

  bool hasErrors() const { return !errors_.empty(); }
  // The errors in source order (stages report in their own order).
  std::vector<Diagnostic> takeErrors();

 private:
  struct File {
    std::string_view source;
    std::string name;
    uint32_t firstLine = 1;
    std::vector<std::size_t> lineStarts;  // byte offset of each line's first byte
  };
  const File& fileOfLine(uint32_t line) const;
  static std::string excerpt(const File& file, uint32_t line, uint32_t column);

  std::vector<File> files_;  // the first is the main file
  std::vector<Diagnostic> errors_;
  std::vector<uint32_t> errorLines_;  // parallel to errors_: the shared line number, for sorting
  std::unordered_set<uint32_t> linesWithErrors_;
  bool truncated_ = false;
};

}  // namespace shapevm
