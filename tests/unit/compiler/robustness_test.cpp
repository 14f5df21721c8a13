// The compiler never crashes, hangs or overflows the C++ stack: deep nesting of
// every kind is an error, every truncation of every test script and random
// mutations of them compile or fail cleanly, and compiling is deterministic.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "bytecode/sbc.h"
#include "compiler/compiler.h"

namespace shapevm {
namespace {

std::string repeat(std::string_view text, std::size_t count) {
  std::string out;
  out.reserve(text.size() * count);
  for (std::size_t i = 0; i < count; ++i) out += text;
  return out;
}

std::vector<std::string> scriptFiles() {
  std::vector<std::string> files;
  std::filesystem::path root = std::filesystem::path(SHAPEVM_SOURCE_DIR) / "tests" / "scripts";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".shape") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compiles and checks the result is well formed: a program, or errors that
// all carry the file name.
void compileCleanly(std::string_view source) {
  CompileResult result = compileSource(source, "fuzz.shape");
  if (result.program) {
    CHECK(result.errors.empty());
  } else {
    REQUIRE(!result.errors.empty());
    for (const Diagnostic& d : result.errors) {
      CHECK(d.file == "fuzz.shape");
      CHECK_THAT(d.message, !Catch::Contains("internal compiler error"));
    }
  }
}

bool mentionsNesting(const CompileResult& result) {
  for (const Diagnostic& d : result.errors) {
    if (d.message.find("nest") != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("robustness: 100000 levels of nesting are an error, not a crash", "[robustness]") {
  constexpr std::size_t n = 100000;
  std::vector<std::string> sources = {
      "let x = " + repeat("(", n) + "1" + repeat(")", n),
      "let x = " + repeat("[", n) + "1" + repeat("]", n),
      repeat("{", n) + repeat("}", n),
      "let x = " + repeat("{a: ", n) + "1" + repeat("}", n),
      "let x = " + repeat("-", n) + "1",
      "let x = " + repeat("not ", n) + "true",
      "let x = " + repeat("!", n) + "true",
      "let x = 1" + repeat(" + 1", n),
      "let x = 1" + repeat(" and 1", n),
      "let a = 1\nlet x = a" + repeat(".b", n),
      "let f = 1\nlet x = f" + repeat("()", n),
      "let a = 1\nlet x = a" + repeat("[0]", n),
      "let x = " + repeat("|a| ", n) + "1",
      "let x = " + repeat("f(", n) + repeat(")", n),
      repeat("function f() {\n", n) + repeat("}\n", n),
      repeat("if true {", n) + repeat("}", n),
      repeat("while true {", n) + repeat("}", n),
      repeat("for i in 0..1 {", n) + repeat("}", n),
      repeat("try {", n) + repeat("} catch e {}", n),
      "let x: " + repeat("Array<", n) + "int" + repeat(">", n),
      "let x: " + repeat("[", n) + "int" + repeat("]", n),
      "let x: " + repeat("& ", n) + "int",
      "let x = " + repeat("(|a| ", 400) + "1" + repeat(" + 1", 900) + repeat(")", 400),
  };
  for (const std::string& source : sources) {
    INFO(source.substr(0, 40));
    CompileResult result = compileSource(source, "deep.shape");
    CHECK(!result.program);
    CHECK(mentionsNesting(result));
  }
}

TEST_CASE("robustness: nesting below the limit compiles", "[robustness]") {
  std::vector<std::string> sources = {
      "let x = " + repeat("(", 900) + "1" + repeat(")", 900),
      "let x = " + repeat("[", 900) + "1" + repeat("]", 900),
      "let x = 1" + repeat(" + 1", 900),
      "function g() {\n" + repeat("if true {\n", 900) + "let a = 1\n" + repeat("}\n", 900) + "}",
      "let x = " + repeat("(|a| ", 250) + "1" + repeat(")", 250),
  };
  for (const std::string& source : sources) {
    INFO(source.substr(0, 40));
    CompileResult result = compileSource(source, "deep.shape");
    for (const Diagnostic& d : result.errors) UNSCOPED_INFO(d.format());
    CHECK(result.program);
  }
}

TEST_CASE("robustness: a function has at most kMaxLocals local slots", "[robustness]") {
  // A call clears every local, so the limit bounds one call's work.
  auto functionWithLocals = [](uint32_t count) {
    std::string source = "fn f() {\n";
    for (uint32_t i = 0; i < count; ++i) source += "  let v" + std::to_string(i) + " = 0\n";
    return source + "}\nprint(f())\n";
  };
  CompileResult fits = compileSource(functionWithLocals(kMaxLocals), "locals.shape");
  REQUIRE(fits.program);
  auto& functions = fits.program->functions;
  auto f =
      std::find_if(functions.begin(), functions.end(), [](auto& fn) { return fn.name == "f"; });
  REQUIRE(f != functions.end());
  CHECK(f->numLocals == kMaxLocals);
  CompileResult over = compileSource(functionWithLocals(kMaxLocals + 1), "locals.shape");
  CHECK(!over.program);
  REQUIRE(over.errors.size() == 1);
  CHECK(over.errors[0].message == "too many local variables in one function");
  CHECK(over.errors[0].line == kMaxLocals + 2);
}

TEST_CASE("robustness: every truncation of every test script", "[robustness]") {
  std::vector<std::string> files = scriptFiles();
  REQUIRE(!files.empty());
  for (const std::string& file : files) {
    INFO(file);
    std::string source = readFile(file);
    // Every prefix for the first 100 bytes, then every 13th (29k compiles
    // over tests/scripts): each compile starts a thread, which under the
    // sanitizers costs a millisecond and more (the compiler's fuzzer,
    // tests/fuzz, explores further).
    for (std::size_t length = 0; length <= source.size(); length += length < 100 ? 1 : 13) {
      INFO("length " << length);
      compileCleanly(std::string_view(source).substr(0, length));
    }
  }
}

TEST_CASE("robustness: random mutations of test scripts", "[robustness]") {
  std::vector<std::string> files = scriptFiles();
  std::mt19937 rng(12345);
  std::string alphabet = "(){}[]|&.,;:=+-*/%!<>\"'\\\n \t0x9_eaZ\xC3\xA9\xFF";
  alphabet.push_back('\0');
  for (const std::string& file : files) {
    INFO(file);
    std::string original = readFile(file);
    if (original.empty()) continue;
    for (int round = 0; round < 40; ++round) {
      std::string source = original;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        std::size_t at = rng() % source.size();
        switch (rng() % 3) {
          case 0:
            source[at] = alphabet[rng() % alphabet.size()];
            break;
          case 1:
            source.erase(at, 1 + rng() % 8);
            break;
          default:
            source.insert(at, 1, alphabet[rng() % alphabet.size()]);
            break;
        }
        if (source.empty()) source = "x";
      }
      compileCleanly(source);
    }
  }
}

TEST_CASE("robustness: random bytes", "[robustness]") {
  std::mt19937 rng(777);
  for (int round = 0; round < 300; ++round) {
    std::string source(rng() % 200, '\0');
    for (char& c : source) c = static_cast<char>(rng() % 256);
    compileCleanly(source);
  }
}

TEST_CASE("robustness: a huge number of errors is capped", "[robustness]") {
  std::string source = repeat("let = 1\n", 5000);
  CompileResult result = compileSource(source, "many.shape");
  CHECK(!result.program);
  CHECK(result.errors.size() <= 51);
}

TEST_CASE("determinism: compiling twice gives identical bytes", "[determinism]") {
  std::vector<std::string> files = scriptFiles();
  int compiled = 0;
  for (const std::string& file : files) {
    INFO(file);
    std::string source = readFile(file);
    CompileResult first = compileSource(source, file);
    CompileResult second = compileSource(source, file);
    REQUIRE(first.program.has_value() == second.program.has_value());
    if (!first.program) continue;
    ++compiled;
    CHECK(writeSbc(*first.program) == writeSbc(*second.program));
  }
  CHECK(compiled > 10);
}

}  // namespace
}  // namespace shapevm
