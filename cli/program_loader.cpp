// Loading a program from a path (see program_loader.h).
#include "program_loader.h"

#include "bytecode/input_file.h"
#include "bytecode/sbc.h"
#include "compiler/compiler.h"

namespace shapevm::cli {

Result<Program> loadProgramFile(const std::string& path) {
  bool isSource = path.size() >= 6 && path.compare(path.size() - 6, 6, ".shape") == 0;
  if (!isSource) return loadSbcFile(path);
  Result<std::string> source = readInputFile(path);
  if (!source) return source.error();
  CompileResult compiled = compileSource(source.value(), path);
  if (!compiled.program) {
    // All errors are reported; the first one is the result, the rest are appended.
    Diagnostic first = compiled.errors.at(0);
    for (std::size_t i = 1; i < compiled.errors.size(); ++i) {
      first.sourceExcerpt +=
          (first.sourceExcerpt.empty() ? "" : "\n") + compiled.errors[i].format();
    }
    return first;
  }
  return std::move(*compiled.program);
}

}  // namespace shapevm::cli
