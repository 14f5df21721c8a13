// Finding the files of a program (docs/language.md, "Modules"): the imports
// at the top level of each file, the module file each import names, and the
// order in which the files' top-level code runs.
//
// - `use a::b` in the file DIR/f.shape names the file DIR/a/b.shape. A module
//   is named by its path from the main file's directory (`lib::stats` for
//   lib/stats.shape), so a file imported from several files is one module,
//   loaded and run once, and its functions keep their names across compiles.
// - Files are lexed in the order they are found, each with its own range of
//   line numbers (SourceFileInfo), and listed in run order: every module
//   before the files that import it, the main file last.
// - A missing or unreadable module file and an import cycle are errors at the
//   import that names the module; the other files are still loaded.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/diagnostic.h"
#include "compiler/ast.h"
#include "compiler/compiler.h"
#include "compiler/diagnostic_sink.h"
#include "compiler/lexer.h"

namespace shapevm {

// The files of a program, lexed, in run order.
struct ProgramSources {
  std::vector<SourceFileInfo> files;
  std::vector<std::string_view> texts;              // parallel to files
  std::vector<std::vector<Token>> tokens;           // parallel to files; tokens view `texts`
  std::vector<std::unique_ptr<std::string>> owned;  // the module sources `texts` view
};

// True when the token at `at` starts an import: `use NAME` or `from NAME`
// (`use` and `from` are not keywords, so `from = 1` stays an assignment).
bool startsImport(const std::vector<Token>& tokens, std::size_t at);

// Parses the import starting at `at` and moves `at` past it. False on a
// syntax error, reported to `sink`.
bool parseImport(const std::vector<Token>& tokens, std::size_t& at, DiagnosticSink& sink,
                 ImportDecl& out);

// Lexes the main file and every module it imports, directly or not. Module
// files are read with `read` and added to `sink`.
ProgramSources loadProgramSources(std::string_view mainSource, const std::string& mainPath,
                                  const ModuleReader& read, DiagnosticSink& sink);

}  // namespace shapevm
