// UTF-8 validation of program names (see utf8_names.h).
#include "bytecode/utf8_names.h"

#include <fmt/format.h>

#include <string_view>

#include "core/utf8.h"

namespace shapevm {

std::optional<Diagnostic> checkNamesAreUtf8(const Program& program, const std::string& fileName) {
  auto bad = [&](std::string_view what, std::string_view name) -> std::optional<Diagnostic> {
    if (isValidUtf8(name)) return std::nullopt;
    return Diagnostic::inFile(fileName,
                              fmt::format("{} name \"{}\" is not valid UTF-8", what, name));
  };
  for (const Function& function : program.functions) {
    if (auto problem = bad("function", function.name)) return problem;
    for (const Capture& capture : function.captures) {
      if (auto problem = bad("captured variable", capture.name)) return problem;
    }
    for (const LocalInfo& local : function.locals) {
      if (auto problem = bad("local variable", local.name)) return problem;
    }
  }
  for (const GlobalDecl& global : program.globals) {
    if (auto problem = bad("global", global.name)) return problem;
  }
  for (const TypeDecl& type : program.types) {
    if (auto problem = bad("type", type.name)) return problem;
    for (const std::string& field : type.fields) {
      if (auto problem = bad("field", field)) return problem;
    }
  }
  return std::nullopt;
}

}  // namespace shapevm
