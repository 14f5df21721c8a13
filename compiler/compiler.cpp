// compileSource(): runs the pipeline (lexer+parser, resolver, emitter), then
// proves the result with the same verifier that guards .sbc files. A program
// the verifier rejects is a compiler bug; it is reported as an internal error
// diagnostic rather than handed to the VM.
//
// The pipeline is recursive (bounded by kMaxNesting), and how much C++ stack a
// nesting level costs depends on the build: sanitizers and inlining grow the
// frames up to ~10 KB per level. So the work runs on its own thread with a
// large reserved stack (only the pages used are committed), which makes the
// nesting limit safe in every build and for callers on small stacks.
#include "compiler/compiler.h"

#include <pthread.h>

#include <exception>

#include "bytecode/function_hash.h"
#include "bytecode/input_file.h"
#include "bytecode/verifier.h"
#include "compiler/diagnostic_sink.h"
#include "compiler/emitter.h"
#include "compiler/parser.h"
#include "compiler/resolver.h"

namespace shapevm {

namespace {

constexpr std::size_t kCompilerStackBytes = std::size_t{64} << 20;

// The stages number the lines of all files in one range (SourceFileInfo);
// the line tables give each line's number in its own file, and a module's
// functions name their file.
void useFileLineNumbers(Program& program, const ParsedProgram& parsed) {
  const std::vector<SourceFileInfo>& files = parsed.files;
  if (files.size() == 1) return;
  for (const std::unique_ptr<FunctionNode>& node : parsed.functions) {
    for (const SourceFileInfo& file : files) {
      if (file.contains(node->pos.line) && !file.module.empty()) {
        program.functions[node->index].sourceFile = file.path;
      }
    }
  }
  auto lineInFile = [&](uint32_t line) {
    for (const SourceFileInfo& file : files) {
      if (file.contains(line)) return line - file.firstLine + 1;
    }
    return line;
  };
  for (Function& function : program.functions) {
    for (LineEntry& entry : function.lines) entry.line = lineInFile(entry.line);
    for (StatementInfo& statement : function.statements)
      statement.line = lineInFile(statement.line);
  }
}

CompileResult compileHere(std::string_view source, const std::string& fileName,
                          const ModuleReader& readModule) {
  DiagnosticSink sink(source, fileName);
  ProgramSources sources = loadProgramSources(source, fileName, readModule, sink);
  ParsedProgram parsed = parseProgram(sources, sink);
  Program program;
  program.sourceFile = fileName;
  // Later stages run only on a complete tree: resolving a tree with holes
  // would report names as undeclared because their declaration failed to parse.
  if (!sink.hasErrors()) resolveProgram(parsed, program, sink);
  if (!sink.hasErrors()) emitProgram(parsed, program, sink);
  if (!sink.hasErrors()) useFileLineNumbers(program, parsed);
  if (!sink.hasErrors()) {
    if (std::optional<Diagnostic> problem = verifyProgram(program, fileName)) {
      sink.internalError(problem->format());
    }
  }
  CompileResult result;
  if (sink.hasErrors()) {
    result.errors = sink.takeErrors();
    return result;
  }
  computeHashes(program);
  result.program = std::move(program);
  return result;
}

struct CompileJob {
  std::string_view source;
  const std::string* fileName;
  const ModuleReader* readModule;
  CompileResult result;
  std::exception_ptr failure;  // out of memory, carried back to the caller's thread
};

void* runCompileJob(void* argument) {
  auto* job = static_cast<CompileJob*>(argument);
  try {
    job->result = compileHere(job->source, *job->fileName, *job->readModule);
  } catch (...) {
    job->failure = std::current_exception();
  }
  return nullptr;
}

}  // namespace

Result<std::string> readModuleFile(const std::string& path) { return readInputFile(path); }

CompileResult compileSource(std::string_view source, const std::string& fileName,
                            const ModuleReader& readModule) {
  CompileJob job{source, &fileName, &readModule, {}, nullptr};
  pthread_attr_t attributes;
  pthread_t thread;
  bool started = pthread_attr_init(&attributes) == 0;
  if (started) {
    started = pthread_attr_setstacksize(&attributes, kCompilerStackBytes) == 0 &&
              pthread_create(&thread, &attributes, runCompileJob, &job) == 0;
    pthread_attr_destroy(&attributes);
  }
  if (!started)
    return compileHere(source, fileName, readModule);  // no thread available: best effort
  pthread_join(thread, nullptr);
  if (job.failure) std::rethrow_exception(job.failure);
  return std::move(job.result);
}

}  // namespace shapevm
