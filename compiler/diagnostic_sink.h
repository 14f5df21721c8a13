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
  DiagnosticSink(std::string_view source, std::string fileName);

  void error(uint32_t line, uint32_t column, std::string message);
  // A problem with no source position (a compiler bug caught by the verifier).
  void internalError(std::string message);

  bool hasErrors() const { return !errors_.empty(); }
  // The errors in source order (stages report in their own order).
  std::vector<Diagnostic> takeErrors();

 private:
  std::string excerpt(uint32_t line, uint32_t column) const;

  std::string_view source_;
  std::string fileName_;
  std::vector<std::size_t> lineStarts_;  // byte offset of each line's first byte
  std::vector<Diagnostic> errors_;
  std::unordered_set<uint32_t> linesWithErrors_;
  bool truncated_ = false;
};

}  // namespace shapevm
