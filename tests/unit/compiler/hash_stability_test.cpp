// Content hashes across real source edits: a function's hash changes exactly
// when its own code changes. Snapshot relocation depends on this: editing one
// function must not invalidate frames of the others, and `<main>` must keep its
// hash when only function declarations change (they are bound at load time).
#include <catch2/catch.hpp>
#include <map>

#include "compiler/compiler.h"

namespace shapevm {
namespace {

using Hashes = std::map<std::string, FunctionHash>;

Hashes hashesOf(std::string_view source) {
  CompileResult result = compileSource(source, "h.shape");
  for (const Diagnostic& d : result.errors) UNSCOPED_INFO(d.format());
  REQUIRE(result.program);
  Hashes out;
  for (const Function& f : result.program->functions) out[f.name] = f.hash;
  return out;
}

// Names whose hash differs between the two (or that exist in only one).
std::vector<std::string> changed(const Hashes& before, const Hashes& after) {
  std::vector<std::string> names;
  for (const auto& [name, hash] : before) {
    auto other = after.find(name);
    if (other == after.end() || !(other->second == hash)) names.push_back(name);
  }
  for (const auto& [name, hash] : after) {
    if (!before.count(name)) names.push_back(name);
  }
  return names;
}

const char* kBase = R"(
let limit = 10
function square(x) {
    return x * x
}
function total(n) {
    var sum = 0
    for i in 0..n { sum += square(i) }
    return sum
}
function make_adder(k) {
    return |x| x + k
}
print(total(limit), make_adder(1)(2))
)";

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

TEST_CASE("hashes: every function has a distinct non-zero hash", "[hash]") {
  Hashes hashes = hashesOf(kBase);
  CHECK(hashes.size() == 5);
  for (const auto& [name, hash] : hashes) {
    INFO(name);
    CHECK(!(hash == FunctionHash{}));
  }
  CHECK(!(hashes["square"] == hashes["total"]));
}

TEST_CASE("hashes: editing one function's body changes only its hash", "[hash]") {
  Hashes base = hashesOf(kBase);
  CHECK(changed(base, hashesOf(replaced(kBase, "return x * x", "return x * x + 0"))) ==
        std::vector<std::string>{"square"});
  CHECK(changed(base, hashesOf(replaced(kBase, "var sum = 0", "var sum = 1"))) ==
        std::vector<std::string>{"total"});
  // Editing a lambda changes the lambda, not its enclosing function.
  CHECK(changed(base, hashesOf(replaced(kBase, "|x| x + k", "|x| x - k"))) ==
        std::vector<std::string>{"make_adder.<lambda1>"});
}

TEST_CASE("hashes: adding, removing and reordering functions", "[hash]") {
  Hashes base = hashesOf(kBase);
  std::string added =
      replaced(kBase, "function total", "function extra(a) { return a }\nfunction total");
  CHECK(changed(base, hashesOf(added)) == std::vector<std::string>{"extra"});

  std::string appended = std::string(kBase) + "function tail() { return 1 }\n";
  CHECK(changed(base, hashesOf(appended)) == std::vector<std::string>{"tail"});

  std::string reordered = R"(
let limit = 10
function make_adder(k) {
    return |x| x + k
}
function total(n) {
    var sum = 0
    for i in 0..n { sum += square(i) }
    return sum
}
function square(x) {
    return x * x
}
print(total(limit), make_adder(1)(2))
)";
  CHECK(changed(base, hashesOf(reordered)).empty());

  Hashes withoutUnused = hashesOf(replaced(added, "function extra(a) { return a }\n", ""));
  CHECK(changed(hashesOf(added), withoutUnused) == std::vector<std::string>{"extra"});
}

TEST_CASE("hashes: moving code to other lines keeps hashes", "[hash]") {
  Hashes base = hashesOf(kBase);
  std::string moved = "\n\n// a comment\n\n" + std::string(kBase);
  CHECK(changed(base, hashesOf(moved)).empty());
}

TEST_CASE("hashes: adding globals changes only the code that sets them", "[hash]") {
  Hashes base = hashesOf(kBase);
  std::string more =
      replaced(kBase, "let limit = 10", "let before = 1\nlet limit = 10\nvar after = 2");
  CHECK(changed(base, hashesOf(more)) == std::vector<std::string>{"<main>"});
  // A global that is only declared at the end (hoisted) and read by a function:
  // the function's reference is by name, so unrelated functions keep their hash.
  std::string used =
      replaced(std::string(kBase) + "let offset = 3\n", "return x * x", "return x * x + offset");
  CHECK(changed(base, hashesOf(used)) == std::vector<std::string>{"<main>", "square"});
}

TEST_CASE("hashes: <main> keeps its hash when only declarations change", "[hash]") {
  Hashes base = hashesOf(kBase);
  std::string edited = replaced(kBase, "return x * x", "var y = x\n    return y * y");
  edited += "function unused() { return [1, 2, 3] }\n";
  edited = replaced(edited, "function make_adder(k) {\n    return |x| x + k\n}",
                    "function make_adder(k) {\n    return |x| k + x\n}");
  Hashes after = hashesOf(edited);
  CHECK(after["<main>"] == base["<main>"]);
  CHECK(after["total"] == base["total"]);
  CHECK(!(after["square"] == base["square"]));
}

TEST_CASE("hashes: type declarations keep unrelated hashes", "[hash]") {
  std::string typed = "type P { x, y }\n" + std::string(kBase);
  CHECK(changed(hashesOf(kBase), hashesOf(typed)).empty());
}

}  // namespace
}  // namespace shapevm
