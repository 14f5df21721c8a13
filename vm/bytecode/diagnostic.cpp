// Formatting of diagnostics for people: one line naming where, then the
// source excerpt (if any) on the following lines.
#include "bytecode/diagnostic.h"

#include <fmt/format.h>

namespace shapevm {

std::string Diagnostic::format() const {
  std::string where = file;
  if (line > 0) {
    where += fmt::format(":{}", line);
    if (column > 0) where += fmt::format(":{}", column);
  }
  if (!function.empty()) {
    where += fmt::format(": function '{}'", function);
    if (offset >= 0) where += fmt::format(" at offset {}", offset);
  }
  std::string text = fmt::format("{}: {}", where, message);
  if (!sourceExcerpt.empty()) text += "\n" + sourceExcerpt;
  return text;
}

}  // namespace shapevm
