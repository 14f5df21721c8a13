// Record types and literals with very many fields compile in time linear in
// their size: each field used to be compared with every field before it
// (a type of 100k fields took over 8 s; 10k took 0.09 s). Repeats are still
// errors.
#include <catch2/catch.hpp>
#include <string>

#include "compiler/compiler.h"

namespace shapevm {
namespace {

constexpr std::size_t kFields = 100'000;

// "type Wide { f0, f1, ... }" with `extra` appended to the field list.
std::string wideType(const std::string& extra) {
  std::string source = "type Wide { ";
  for (std::size_t i = 0; i < kFields; ++i) source += "f" + std::to_string(i) + ", ";
  return source + extra + " }\n";
}

TEST_CASE("a type of 100k fields and a literal of it compile", "[compiler][wide]") {
  std::string source = wideType("last");
  source += "let w = Wide { ";
  for (std::size_t i = kFields; i-- > 0;) source += "f" + std::to_string(i) + ": " + "1, ";
  source += "last: 2 }\nprint(w.f77 + w.last)\n";
  CompileResult compiled = compileSource(source, "wide.shape");
  INFO((compiled.errors.empty() ? std::string() : compiled.errors[0].format()));
  REQUIRE(compiled.program);
  REQUIRE(compiled.program->types.size() == 1);
  CHECK(compiled.program->types[0].fields.size() == kFields + 1);
}

TEST_CASE("a repeated field among 100k is still an error", "[compiler][wide]") {
  CompileResult type = compileSource(wideType("f99998"), "wide.shape");
  REQUIRE_FALSE(type.program);
  CHECK_THAT(type.errors.at(0).format(), Catch::Contains("field 'f99998' is declared twice"));

  std::string literal = wideType("last") + "let w = Wide { f5: 1, ";
  for (std::size_t i = 0; i < kFields; i += 2) literal += "f" + std::to_string(i + 1) + ": 1, ";
  literal += "f5: 2 }\n";
  CompileResult given = compileSource(literal, "wide.shape");
  REQUIRE_FALSE(given.program);
  CHECK_THAT(given.errors.at(0).format(), Catch::Contains("field 'f5' is given twice"));
}

}  // namespace
}  // namespace shapevm
