// Relocation into an edited program (`resume --program NEW`): frames follow
// their functions by content hash, functions not on the stack may change,
// closures re-bind by name when their captures match, globals match by name;
// what cannot move keeps running its old code; --relocate exact refuses with
// status 4 naming each frame.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "snapshot_support.h"

namespace shapevm::test {
namespace {

// main() suspends halfway through its loop; f is not on the stack then.
const char* const kBase = R"(
function f(x) {
  return x + 1
}
function unused() {
  return 0
}
function main() {
  var s = 0
  for i in 0..10 {
    s = s + f(i)
    if i == 4 { suspend() }
  }
  print(s)
}
main()
)";

// `source` suspended as a.shape, before printing anything, into `snap`.
struct Fixture {
  explicit Fixture(const char* source = kBase) : programs{{{"a.shape", source}}} {
    RunResult first = startProgram(programs, "a.shape", snap);
    REQUIRE(first.outcome.status == RunStatus::Suspended);
    REQUIRE(first.output.empty());
  }

  TempDir dir;
  Programs programs;
  std::string snap = dir.file("a.snap.json");
};

// `text` with the first `from` replaced by `to`; `from` must occur.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("a function not on the stack may change; the new code runs", "[snapshot][relocation]") {
  Fixture fx;
  fx.programs.sources["b.shape"] = replaced(kBase, "return x + 1", "return x + 100");
  RunResult rest = resumeAndRun(fx.programs, fx.snap, "b.shape");
  CHECK(rest.outcome.status == RunStatus::Finished);
  // i = 0..4 ran with x + 1 (15), i = 5..9 with x + 100 (535).
  CHECK(rest.output == "550\n");
}

TEST_CASE("functions added, removed and reordered relocate", "[snapshot][relocation]") {
  Fixture fx;
  fx.programs.sources["b.shape"] = R"(
function helper(x) {
  return x * 1000
}
function main() {
  var s = 0
  for i in 0..10 {
    s = s + f(i)
    if i == 4 { suspend() }
  }
  print(s)
}
function f(x) {
  return helper(x)
}
main()
)";
  RunResult rest = resumeAndRun(fx.programs, fx.snap, "b.shape");
  CHECK(rest.outcome.status == RunStatus::Finished);
  CHECK(rest.output == std::to_string(15 + 1000 * (5 + 6 + 7 + 8 + 9)) + "\n");
}

TEST_CASE("a changed function on the stack moves where its statement is unchanged",
          "[snapshot][relocation]") {
  Fixture fx;
  fx.programs.sources["b.shape"] = replaced(kBase, "print(s)", "print(s * 2)");
  auto resumed = resumeFrom(fx.programs, fx.snap, "b.shape");
  REQUIRE(std::holds_alternative<ResumedVM>(resumed));
  const std::vector<std::string>& report = std::get<ResumedVM>(resumed).report;
  REQUIRE(report.size() == 2);
  CHECK(report[0] == "frame #1 main (line 12 -> 12): remapped; locals s, i kept");
  CHECK(report[1] == "frame #0 <main> (line 16): same");
  RunResult rest = runCaptured(*std::get<ResumedVM>(resumed).vm, fx.snap, "b.shape");
  CHECK(rest.output == "110\n");
}

TEST_CASE("--relocate exact refuses a changed function on the stack, naming the frame",
          "[snapshot][relocation]") {
  Fixture fx;
  fx.programs.sources["b.shape"] = replaced(kBase, "print(s)", "print(s * 2)");
  std::string message =
      resumeFailure(fx.programs, fx.snap, ResumeFailure::NotRelocatable, "b.shape", true);
  CHECK(message.find("frame #1 'main' (line 12)") != std::string::npos);
  CHECK(message.find("function 'main' was changed") != std::string::npos);
  CHECK(message.find("<main>") == std::string::npos);  // the entry function did not change

  fx.programs.sources["c.shape"] =
      replaced(replaced(kBase, "function main()", "function main2()"), "\nmain()", "\nmain2()");
  message = resumeFailure(fx.programs, fx.snap, ResumeFailure::NotRelocatable, "c.shape", true);
  CHECK(message.find("no function named 'main' exists") != std::string::npos);
  CHECK(message.find("frame #0 '<main>'") != std::string::npos);  // it calls main2 now
}

TEST_CASE("a frame that cannot move runs its old code, and moves where a statement maps",
          "[snapshot][relocation]") {
  Fixture fx;
  // main is gone (renamed), and <main> waits in the edited call: both finish
  // in their old code.
  fx.programs.sources["c.shape"] =
      replaced(replaced(kBase, "function main()", "function main2()"), "\nmain()", "\nmain2()");
  auto resumed = resumeFrom(fx.programs, fx.snap, "c.shape");
  REQUIRE(std::holds_alternative<ResumedVM>(resumed));
  std::vector<std::string> report = std::get<ResumedVM>(resumed).report;
  REQUIRE(report.size() == 3);
  CHECK(report[0] ==
        "frame #1 main (line 12): old code until it returns (the new program has no function "
        "'main')");
  CHECK(report[1] ==
        "frame #0 <main> (line 16): old code until it returns (no statement ahead of it maps to "
        "the new code)");
  CHECK(report[2] == "function main removed: old code that still calls it raises NameError");
  const VM& vm = *std::get<ResumedVM>(resumed).vm;
  CHECK(vm.program.findFunction("main (old code)") >= 0);
  CHECK(vm.program.findFunction("<main> (old code)") >= 0);
  CHECK(runCaptured(*std::get<ResumedVM>(resumed).vm, fx.snap, "c.shape").output == "55\n");

  // The statement main is suspended in changed: main finishes it in its old
  // code and moves into the new code at the loop head, where from i = 5 on
  // f's result counts twice.
  fx.programs.sources["d.shape"] = replaced(replaced(kBase, "s = s + f(i)", "s = s + 2 * f(i)"),
                                            "{ suspend() }", "{ let answer = suspend() }");
  resumed = resumeFrom(fx.programs, fx.snap, "d.shape");
  REQUIRE(std::holds_alternative<ResumedVM>(resumed));
  report = std::get<ResumedVM>(resumed).report;
  REQUIRE(report.size() == 2);
  CHECK(report[0] ==
        "frame #1 main (line 12): old code until line 10, where it moves to the new code");
  VM& moving = *std::get<ResumedVM>(resumed).vm;
  CHECK(moving.codeMoves.size() >= 1);
  CHECK(runCaptured(moving, fx.snap, "d.shape").output ==
        std::to_string(15 + 2 * (6 + 7 + 8 + 9 + 10)) + "\n");
}

TEST_CASE("the snapshot's own program relocates onto itself", "[snapshot][relocation]") {
  Fixture fx;
  fx.programs.sources["same.shape"] = kBase;
  RunResult rest = resumeAndRun(fx.programs, fx.snap, "same.shape");
  CHECK(rest.output == "55\n");
}

TEST_CASE("frames without a hash fall back to id, then to name", "[snapshot][relocation]") {
  Fixture fx;
  std::string text = readFile(fx.snap);
  std::string noHash = text;
  std::size_t at;
  while ((at = noHash.find(", \"hash\": \"")) != std::string::npos &&
         at < noHash.find("\"handlers\"")) {
    noHash.erase(at, std::string(", \"hash\": \"").size() + 33);
  }
  writeFile(fx.snap, fixChecksum(noHash));
  CHECK(resumeAndRun(fx.programs, fx.snap).output == "55\n");

  // Without a hash the id is trusted only if it names the same function.
  std::string wrongId = noHash;
  at = wrongId.find("\"function\": \"main\", \"id\": ");
  REQUIRE(at != std::string::npos);
  wrongId.insert(at + std::string("\"function\": \"main\", \"id\": ").size(), "99");
  writeFile(fx.snap, fixChecksum(wrongId));
  CHECK(resumeFailure(fx.programs, fx.snap, ResumeFailure::BadInput).find("out of range") !=
        std::string::npos);
}

const char* const kClosures = R"(
function counter(start) {
  var n = start
  var step = 1
  return || {
    n = n + step
    return n
  }
}
let next = counter(10)
next()
suspend()
print(next(), next())
)";

TEST_CASE(
    "a changed closure re-binds by name when it captures the same variables, else keeps "
    "its old code",
    "[snapshot][relocation]") {
  Fixture fx(kClosures);
  auto& [dir, programs, snap] = fx;
  programs.sources["b.shape"] = replaced(kClosures, "n = n + step", "n = n + step * 5");
  RunResult rest = resumeAndRun(programs, snap, "b.shape");
  CHECK(rest.output == "16 21\n");

  REQUIRE(startProgram(programs, "a.shape", snap).outcome.status == RunStatus::Suspended);
  programs.sources["c.shape"] = replaced(kClosures, "n = n + step", "n = n + 2");
  // Captures that changed: the closure keeps its old code.
  auto resumed = resumeFrom(programs, snap, "c.shape");
  REQUIRE(std::holds_alternative<ResumedVM>(resumed));
  const std::vector<std::string>& report = std::get<ResumedVM>(resumed).report;
  REQUIRE(report.size() == 2);
  CHECK(report[1] ==
        "closure of 'counter.<lambda1>' (object 0): keeps its old code (the new function "
        "captures other variables)");
  CHECK(runCaptured(*std::get<ResumedVM>(resumed).vm, snap, "c.shape").output == "12 13\n");
}

TEST_CASE("records follow their type's fields by name when the fields are reordered",
          "[snapshot][relocation]") {
  // Records of two types in turn, so consecutive records of one type are
  // planned both from scratch and from the record before them.
  // The functions on the stack at the suspension do not name the types, so
  // they keep their hashes when the types change.
  const char* const base = R"(
type Point { x, y }
type Pair { first, second }
function build() {
  var items = []
  for i in 0..6 {
    items = items.push(Point { x: i, y: i * 10 })
    items = items.push(Point { x: -i, y: -i * 10 })
    items = items.push(Pair { first: "a" + str(i), second: i })
  }
  return items
}
function show(items) {
  var out = []
  for item in items { out = out.push(str(item)) }
  print(out.join(", "))
}
function main() {
  let items = build()
  suspend()
  show(items)
}
main()
)";
  Fixture fx(base);
  auto& [dir, programs, snap] = fx;
  std::string expected = resumeAndRun(programs, snap, "a.shape").output;
  REQUIRE(expected.find("Point") != std::string::npos);

  programs.sources["b.shape"] =
      replaced(replaced(base, "type Point { x, y }", "type Point { y, x }"),
               "type Pair { first, second }", "type Pair { second, first }");
  REQUIRE(startProgram(programs, "a.shape", snap).outcome.status == RunStatus::Suspended);
  RunResult rest = resumeAndRun(programs, snap, "b.shape");
  CHECK(rest.outcome.status == RunStatus::Finished);
  // Each field keeps its value; only the order the type declares them in
  // (and so prints them in) changed.
  std::string swapped = expected;
  for (int i = 0; i < 6; ++i) {
    for (int sign : {1, -1}) {
      int x = sign * i;
      swapped = replaced(swapped,
                         "Point {x: " + std::to_string(x) + ", y: " + std::to_string(x * 10) + "}",
                         "Point {y: " + std::to_string(x * 10) + ", x: " + std::to_string(x) + "}");
    }
    swapped = replaced(
        swapped, "Pair {first: \"a" + std::to_string(i) + "\", second: " + std::to_string(i) + "}",
        "Pair {second: " + std::to_string(i) + ", first: \"a" + std::to_string(i) + "\"}");
  }
  CHECK(rest.output == swapped);
}

TEST_CASE("a heap large enough to be planned on two threads relocates as on one",
          "[snapshot][relocation][large]") {
  // 70,000 records: more than kMinObjectsOnTwoThreads objects, so each half
  // of the ids is planned on its own thread, with its own caches.
  const char* const base = R"(
type Point { x, y }
function build(n) {
  var items = []
  for i in 0..n { items = items.push(Point { x: i, y: i * 10 }) }
  return items
}
function check(items) {
  var kept = 0
  for item in items {
    if item.y == item.x * 10 { kept = kept + 1 }
  }
  print(kept, str(items[0]), str(items[len(items) - 1]))
}
function main() {
  let items = build(70000)
  suspend()
  check(items)
}
main()
)";
  Fixture fx(base);
  auto& [dir, programs, snap] = fx;

  // Every record, in both halves, has its fields moved to the new order.
  programs.sources["b.shape"] = replaced(base, "type Point { x, y }", "type Point { y, x }");
  RunResult rest = resumeAndRun(programs, snap, "b.shape");
  CHECK(rest.outcome.status == RunStatus::Finished);
  CHECK(rest.output == "70000 Point {y: 0, x: 0} Point {y: 699990, x: 69999}\n");

  // A field renamed is a field dropped, which --relocate exact refuses once
  // per record; the records are listed in id order, as one thread lists them.
  programs.sources["c.shape"] =
      replaced(replaced(replaced(base, "type Point { x, y }", "type Point { x, z }"), "y: i * 10",
                        "z: i * 10"),
               "item.y", "item.z");
  std::string message =
      resumeFailure(programs, snap, ResumeFailure::NotRelocatable, "c.shape", true);
  std::vector<long> ids;
  for (std::size_t at = 0; (at = message.find("(object ", at)) != std::string::npos; ++at) {
    ids.push_back(std::strtol(message.c_str() + at + 8, nullptr, 10));  // no copy of the rest
  }
  CHECK(ids.size() == 70000);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CHECK(message.find("has field 'y', which c.shape does not declare") != std::string::npos);
}

TEST_CASE("globals match by name; a function value follows its name", "[snapshot][relocation]") {
  const char* const base = R"(
function add(a, b) {
  return a + b
}
var op = add
var total = 5
suspend()
print(op(total, 1), total)
)";
  Fixture fx(base);
  auto& [dir, programs, snap] = fx;
  // add changed (op follows it by name) and a new function-bound global appears.
  programs.sources["b.shape"] = R"(
function twice(x) {
  return x * 2
}
function add(a, b) {
  return twice(a) + b
}
var op = add
var total = 5
suspend()
print(op(total, 1), total)
)";
  // The entry function is unchanged, so it relocates too.
  RunResult rest = resumeAndRun(programs, snap, "b.shape");
  CHECK(rest.outcome.status == RunStatus::Finished);
  CHECK(rest.output == "11 5\n");
}

}  // namespace
}  // namespace shapevm::test
