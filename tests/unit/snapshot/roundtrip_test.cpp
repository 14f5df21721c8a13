// Snapshots preserve the VM exactly: values bit for bit, sharing and cycles,
// deep structures, and a resumed run's output equals an uninterrupted run's
// wherever the run is suspended.
#include <bit>
#include <cmath>

#include "snapshot_support.h"

namespace shapevm::test {
namespace {

Value globalNamed(const VM& vm, const std::string& name) {
  int index = vm.program.findGlobal(name);
  REQUIRE(index >= 0);
  return vm.globals[index];
}

uint64_t floatBits(Value v) {
  REQUIRE(v.isFloat());
  return std::bit_cast<uint64_t>(v.as.f);
}

const char* const kValues = R"(
let big = 9223372036854775807
let small = -9223372036854775807 - 1
let negzero = -0.0
let nan = float("nan")
let othernan = 0.0 / 0.0
let inf = float("inf")
let ninf = -float("inf")
let tiny = 5e-324
let third = 1.0 / 3.0
let text = "nul:\0:tab\t:quote\":back\\:\u{7f}:\u{1}:é:😀"
let broken = "é"[0] + "x" + "é"[1]
let nested = [1, [2, [3, none, true, false]], {"k": 1.5, 2: "two", none: 3, 2.5: [], true: {}}]
let m = {"a": 1, "b": 2, "c": 3}
m.delete("b")
suspend()
print(big, small, negzero, nan, inf, ninf, tiny, third)
print(len(text), len(broken), nested, m)
)";

TEST_CASE("values round-trip bit for bit", "[snapshot][values]") {
  TempDir dir;
  Programs programs{{{"values.shape", kValues}}};
  std::string snap = dir.file("values.snap.json");
  RunResult first = startProgram(programs, "values.shape", snap);
  REQUIRE(first.outcome.status == RunStatus::Suspended);
  std::string written = readFile(snap);

  auto resumed = resumeFrom(programs, snap);
  REQUIRE(std::holds_alternative<ResumedVM>(resumed));
  VM& vm = *std::get<ResumedVM>(resumed).vm;

  CHECK(globalNamed(vm, "big").as.i == INT64_MAX);
  CHECK(globalNamed(vm, "small").as.i == INT64_MIN);
  CHECK(floatBits(globalNamed(vm, "negzero")) == 0x8000000000000000ULL);
  CHECK(std::isnan(globalNamed(vm, "nan").as.f));
  CHECK(floatBits(globalNamed(vm, "nan")) == std::bit_cast<uint64_t>(std::nan("")));
  CHECK(globalNamed(vm, "inf").as.f == HUGE_VAL);
  CHECK(globalNamed(vm, "ninf").as.f == -HUGE_VAL);
  CHECK(floatBits(globalNamed(vm, "tiny")) == 1);
  CHECK(globalNamed(vm, "third").as.f == 1.0 / 3.0);
  Value text = globalNamed(vm, "text");
  REQUIRE(isObjKind(text, ObjKind::String));
  static const char kText[] = "nul:\0:tab\t:quote\":back\\:\x7f:\x01:é:😀";
  CHECK(asString(text)->view() == std::string_view(kText, sizeof kText - 1));
  Value broken = globalNamed(vm, "broken");
  REQUIRE(isObjKind(broken, ObjKind::String));
  CHECK(asString(broken)->view() == "\xc3x\xa9");

  // Writing the restored VM gives back the very same file: every value, map
  // position (including the deleted entry) and object id survived. Its
  // output is captured, as the run's was: stdout, a regular file when the
  // tests' output goes to one, is then not recorded in either.
  std::string output;
  vm.outputSink = &output;
  std::optional<std::string> error;
  CHECK(encodeSnapshot(vm, snap, "values.shape", SnapshotReason::SuspendCall, &error) == written);
  vm.outputSink = nullptr;
  CHECK_FALSE(error);
}

TEST_CASE("the NaN produced by 0.0 / 0.0 keeps its sign bit", "[snapshot][values]") {
  TempDir dir;
  Programs programs{{{"nan.shape", "let x = 0.0 / 0.0\nlet y = -x\nsuspend()\n"}}};
  std::string snap = dir.file("nan.snap.json");
  RunResult first = startProgram(programs, "nan.shape", snap);
  REQUIRE(first.outcome.status == RunStatus::Suspended);
  VM original;
  REQUIRE_FALSE(original.load(compileOrFail("let x = 0.0 / 0.0\nlet y = -x\n")));
  original.start({});
  REQUIRE(original.run().status == RunStatus::Finished);
  auto resumed = resumeFrom(programs, snap);
  REQUIRE(std::holds_alternative<ResumedVM>(resumed));
  VM& vm = *std::get<ResumedVM>(resumed).vm;
  CHECK(floatBits(globalNamed(vm, "x")) == floatBits(globalNamed(original, "x")));
  CHECK(floatBits(globalNamed(vm, "y")) == floatBits(globalNamed(original, "y")));
  CHECK(floatBits(globalNamed(vm, "x")) != floatBits(globalNamed(vm, "y")));
}

const char* const kShared = R"(
let a = [1]
a.push(a)
let m = {"x": 1}
m["self"] = m
m["list"] = a
type Node { value, next }
let n1 = Node { value: 1, next: none }
let n2 = Node { value: 2, next: n1 }
n1.next = n2
let shared = "s" + "t"
let pair = [shared, shared]
var deep = []
for i in 0..200000 { deep = [deep, i] }
suspend()
print(a[1] == a, m["self"] == m, m["list"] == a, n1.next.next == n1, pair[0] == pair[1])
var depth = 0
var cur = deep
while len(cur) > 0 {
  cur = cur[0]
  depth = depth + 1
}
print(depth)
)";

TEST_CASE("sharing, cycles and deep nesting survive", "[snapshot][heap]") {
  TempDir dir;
  Programs programs{{{"shared.shape", kShared}}};
  std::string snap = dir.file("shared.snap.json");
  RunResult first = startProgram(programs, "shared.shape", snap);
  REQUIRE(first.outcome.status == RunStatus::Suspended);

  auto resumed = resumeFrom(programs, snap);
  REQUIRE(std::holds_alternative<ResumedVM>(resumed));
  ResumedVM& ready = std::get<ResumedVM>(resumed);
  Value pair = globalNamed(*ready.vm, "pair");
  REQUIRE(isObjKind(pair, ObjKind::Array));
  CHECK(asArray(pair)->items[0].as.obj == asArray(pair)->items[1].as.obj);  // one string object
  Value a = globalNamed(*ready.vm, "a");
  CHECK(asArray(a)->items[1].as.obj == a.as.obj);

  RunResult rest = runCaptured(*ready.vm, snap, ready.programPath);
  CHECK(rest.outcome.status == RunStatus::Finished);
  CHECK(rest.output == "true true true true true\n200000\n");
}

TEST_CASE("checkpoint() returns false, then true in the resumed run", "[snapshot][builtins]") {
  TempDir dir;
  Programs programs{{{"cp.shape", "print(checkpoint())\nprint(\"after\")\n"}}};
  std::string snap = dir.file("cp.snap.json");
  RunResult first = startProgram(programs, "cp.shape", snap);
  CHECK(first.outcome.status == RunStatus::Finished);
  CHECK(first.output == "false\nafter\n");
  RunResult resumed = resumeAndRun(programs, snap);
  CHECK(resumed.outcome.status == RunStatus::Finished);
  CHECK(resumed.output == "true\nafter\n");
}

TEST_CASE("suspend() stops the run and returns true when resumed", "[snapshot][builtins]") {
  TempDir dir;
  Programs programs{{{"s.shape", "print(\"before\")\nprint(suspend())\nprint(\"after\")\n"}}};
  std::string snap = dir.file("s.snap.json");
  RunResult first = startProgram(programs, "s.shape", snap);
  CHECK(first.outcome.status == RunStatus::Suspended);
  CHECK(first.output == "before\n");
  RunResult resumed = resumeAndRun(programs, snap);
  CHECK(resumed.outcome.status == RunStatus::Finished);
  CHECK(resumed.output == "true\nafter\n");
}

// Exercises every kind of frame state: recursion, closures over loop
// variables (open and closed upvalues), try/catch across calls, map
// iteration with deletions, records, prelude callbacks (map/filter/reduce),
// random numbers and string building.
const char* const kEverything = R"(
type Point { x, y }
function fib(n) {
  if n < 2 { return n }
  return fib(n - 1) + fib(n - 2)
}
function risky(i) {
  if i % 3 == 0 { throw "bad " + str(i) }
  return i * 2
}
function main() {
  var fns = []
  for i in 0..4 {
    var k = i * 10
    fns.push(|x| x + k + i)
  }
  var total = 0
  for f in fns { total = total + f(1) }
  print("closures", total)
  var caught = 0
  for i in 0..7 {
    try { total = total + risky(i) } catch e { caught = caught + 1 }
  }
  print("caught", caught, total)
  var m = {"a": 1, "b": 2, "c": 3, "d": 4}
  for key in m {
    if key == "b" { m.delete("c") }
    print("key", key)
  }
  let p = Point { x: 1.5, y: -2 }
  p.x = p.x * 2.0
  print(p, fib(8))
  print([1, 2, 3, 4].map(|v| v * v).filter(|v| v > 1).reduce(|a, b| a + b, 0))
  print(random_int(1, 1000), random())
  var s = ""
  for ch in "héllo" { s = ch + s }
  print(s.length(), -0.0, 1e300 * 10.0)
}
main()
)";

TEST_CASE("resuming after any number of steps gives the uninterrupted output",
          "[snapshot][equivalence]") {
  TempDir dir;
  Programs programs{{{"all.shape", kEverything}}};
  std::string snap = dir.file("all.snap.json");
  RunResult whole = startProgram(programs, "all.shape", snap);
  REQUIRE(whole.outcome.status == RunStatus::Finished);
  std::string discard;  // only the step count matters; outlives the VM
  VM counter;
  REQUIRE_FALSE(counter.load(compileOrFail(kEverything)));
  counter.start({});
  counter.outputSink = &discard;
  REQUIRE(counter.run().status == RunStatus::Finished);
  uint64_t totalSteps = counter.totalSteps;
  REQUIRE(totalSteps > 100);

  // Suspend once at every step, then run to the end.
  for (uint64_t n = 1; n < totalSteps; n += (n < 200 ? 1 : 7)) {
    INFO("suspended after " << n << " steps");
    RunResult first = startProgram(programs, "all.shape", snap, n);
    REQUIRE(first.outcome.status == RunStatus::Suspended);
    RunResult rest = resumeAndRun(programs, snap);
    REQUIRE(rest.outcome.status == RunStatus::Finished);
    REQUIRE(first.output + rest.output == whole.output);
  }
  // Suspend repeatedly, every k steps.
  for (uint64_t k : {1ULL, 5ULL, 97ULL}) {
    INFO("suspending every " << k << " steps");
    RunResult part = startProgram(programs, "all.shape", snap, k);
    std::string output = part.output;
    int resumes = 0;
    while (part.outcome.status == RunStatus::Suspended) {
      part = resumeAndRun(programs, snap, std::nullopt, k);
      output += part.output;
      ++resumes;
    }
    CHECK(part.outcome.status == RunStatus::Finished);
    CHECK(output == whole.output);
    CHECK(static_cast<uint64_t>(resumes) >= totalSteps / k - 1);
  }
}

TEST_CASE("a snapshot that cannot be written leaves no file behind", "[snapshot][atomic]") {
  TempDir dir;
  Programs programs{{{"s.shape", "suspend()\n"}}};
  RunResult first = startProgram(programs, "s.shape", dir.file("missing-dir/snap.json"));
  CHECK(first.outcome.status == RunStatus::Error);
  CHECK(first.outcome.error.find("snapshot failed") != std::string::npos);

  std::string snap = dir.file("snap.json");
  writeFile(snap, "previous");
  RunResult ok = startProgram(programs, "s.shape", snap);
  CHECK(ok.outcome.status == RunStatus::Suspended);
  CHECK(readFile(snap).rfind("{\"format\": \"shapevm-snapshot\"", 0) == 0);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file(""))) {
    (void)entry;
    ++files;
  }
  CHECK(files == 1);  // no temporary file left over
}

}  // namespace
}  // namespace shapevm::test
