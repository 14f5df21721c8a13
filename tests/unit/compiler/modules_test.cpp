// Modules: programs of several files read through an in-memory reader. Names
// of module functions and globals, one load per file, run order, line tables
// in each file's own numbers, and errors naming the right file.
#include <catch2/catch.hpp>
#include <map>

#include "compiler/compiler.h"

namespace shapevm {
namespace {

// A file system of module sources that counts how often each file is read.
struct Files {
  std::map<std::string, std::string> sources;
  std::map<std::string, int> reads;

  ModuleReader reader() {
    return [this](const std::string& path) -> Result<std::string> {
      ++reads[path];
      auto found = sources.find(path);
      if (found == sources.end()) return Diagnostic::inFile(path, "cannot open: no such file");
      return found->second;
    };
  }
};

const Function* functionNamed(const Program& program, std::string_view name) {
  int index = program.findFunction(name);
  return index < 0 ? nullptr : &program.functions[index];
}

TEST_CASE("modules: qualified names, one load per file, each file's own lines", "[modules]") {
  Files files;
  files.sources["dir/lib/geo.shape"] =
      "pub fn area(w, h) { w * h }\nfn helper() { 1 }\npub let unit = 1\n";
  files.sources["dir/lib/stats.shape"] =
      "use geo\n\n\npub fn total(xs) {\n  xs.map(|x| geo.area(x, x)).sum()\n}\n";
  CompileResult result = compileSource(
      "from lib::geo use { area }\nuse lib::stats\nfn helper() { 2 }\nprint(stats.total([1]))\n",
      "dir/main.shape", files.reader());
  REQUIRE(result.program);
  const Program& program = *result.program;
  CHECK(files.reads["dir/lib/geo.shape"] == 1);  // imported twice, read once
  CHECK(functionNamed(program, "lib::geo::area") != nullptr);
  CHECK(functionNamed(program, "lib::geo::helper") != nullptr);
  CHECK(functionNamed(program, "helper") != nullptr);
  CHECK(program.findGlobal("lib::geo::unit") >= 0);
  const Function* total = functionNamed(program, "lib::stats::total");
  REQUIRE(total != nullptr);
  CHECK(total->lines.front().line == 5);  // stats.shape's own line number
  CHECK(functionNamed(program, "lib::stats::total.<lambda1>") != nullptr);
  CHECK(program.sourceFile == "dir/main.shape");
}

TEST_CASE("modules: errors name the file and path they are about", "[modules]") {
  Files files;
  files.sources["a.shape"] = "use b\n";
  files.sources["b.shape"] = "pub fn f() {}\nuse a\n";
  files.sources["bad.shape"] = "pub fn f() {\n  1 +\n}\n";

  CompileResult cycle = compileSource("use a\n", "main.shape", files.reader());
  REQUIRE(cycle.errors.size() == 1);
  CHECK(cycle.errors[0].file == "b.shape");
  CHECK(cycle.errors[0].line == 2);
  CHECK(cycle.errors[0].message == "import cycle: a.shape -> b.shape -> a.shape");

  CompileResult missing = compileSource("print(1)\nuse nowhere\n", "main.shape", files.reader());
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].file == "main.shape");
  CHECK(missing.errors[0].line == 2);
  CHECK_THAT(missing.errors[0].message,
             Catch::Contains("module 'nowhere' not found: cannot read 'nowhere.shape'"));

  CompileResult syntax = compileSource("use bad\nprint(1 +)\n", "main.shape", files.reader());
  REQUIRE(syntax.errors.size() == 2);
  CHECK(syntax.errors[0].file == "main.shape");
  CHECK(syntax.errors[1].file == "bad.shape");
  CHECK(syntax.errors[1].line == 3);
  CHECK(syntax.errors[1].sourceExcerpt == "}\n^");
}

TEST_CASE("modules: a module's code sees its own names, not the importer's", "[modules]") {
  Files files;
  files.sources["m.shape"] = "pub fn f() { g() }\n";
  CompileResult result =
      compileSource("use m\nfn g() { 1 }\nm.f()\n", "main.shape", files.reader());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].file == "m.shape");
  CHECK(result.errors[0].message == "'g' is not declared");
}

TEST_CASE("modules: the main file's code is the same with or without modules", "[modules]") {
  Files files;
  files.sources["m.shape"] = "pub fn f(x) { x + 1 }\nprint(\"m\")\n";
  const char* main = "fn g(x) { x * 2 }\nprint(g(3))\n";
  CompileResult alone = compileSource(main, "main.shape", files.reader());
  CompileResult withModule =
      compileSource(std::string("use m\n") + main, "main.shape", files.reader());
  REQUIRE(alone.program);
  REQUIRE(withModule.program);
  const Function* before = functionNamed(*alone.program, "g");
  const Function* after = functionNamed(*withModule.program, "g");
  REQUIRE(before != nullptr);
  REQUIRE(after != nullptr);
  CHECK(before->code == after->code);
  CHECK(after->lines.front().line == before->lines.front().line + 1);
}

}  // namespace
}  // namespace shapevm
