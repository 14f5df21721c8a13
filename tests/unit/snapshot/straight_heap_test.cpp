// The heap decoded straight into heap objects (vm/snapshot/straight_heap.h)
// gives the very VM its decoded form gives, in one part and in two; and
// wherever it would not, or the snapshot is wrong, the general path decides,
// with its own message.
#include <fmt/format.h>

#include "snapshot_support.h"

namespace shapevm::test {
namespace {

// Every kind of object and value: records of a program type and of the
// built-in Error type, strings with escapes, arrays of every value, dense and
// indexed maps with keys of every hashable kind and deleted entries, closures
// whose upvalues are closed and one whose upvalue is still open in a
// suspended frame, function and native values, open and closed files.
const char* const kEveryKind = R"(
type Point { x, y }
let argv = args()
let log = open(argv[0], "w")
log.write("start\n")
let gone = open(argv[0], "r")
gone.close()
fn adder(n) { |x| x + n }
let n = int(argv[1])
var heap = []
var i = 0
while i < n {
  let kind = i % 8
  if kind == 0 {
    heap = heap.push(Point { x: i, y: "p" + str(i) })
  } else if kind == 1 {
    heap = heap.push("s\t" + str(i) + "\"")
  } else if kind == 2 {
    heap = heap.push([i, i * 0.5, none, true, heap[i - 1], print, adder])
  } else if kind == 3 {
    var dense = HashMap()
    dense[0] = i
    dense[1] = heap[i - 2]
    heap = heap.push(dense)
  } else if kind == 4 {
    var m = {"id": i, 2.5: "f", none: 1, true: heap[i - 3], 7: "seven"}
    m.delete(2.5)
    heap = heap.push(m)
  } else if kind == 5 {
    heap = heap.push(adder(i))
  } else if kind == 6 {
    try { heap[i * 10] } catch e { heap = heap.push(e) }
  } else {
    heap = heap.push([heap[i - 7], heap[i - 6]])
  }
  i = i + 1
}
var keep = []
fn hold(k) {
  var local = k
  keep = [|| local, || { local = local + 1 }]
  suspend()
  keep[1]()
  return keep[0]()
}
print(hold(7))
var total = 0
i = 0
while i < n {
  let kind = i % 8
  if kind == 0 { total = total + heap[i].x + len(heap[i].y) }
  if kind == 1 { total = total + len(heap[i]) }
  if kind == 3 { total = total + heap[i][0] }
  if kind == 4 { total = total + heap[i]["id"] + len(heap[i][7]) }
  if kind == 5 { total = total + heap[i](1) }
  if kind == 6 { total = total + len(heap[i].kind) }
  i = i + 1
}
print(total, len(heap), heap[6].kind, heap[2][6](3)(4))
log.write("end\n")
log.close()
)";

ResumedVM resumed(const Programs& programs, const std::string& snap, bool heapStraight) {
  ResumeRequest request;
  request.snapshotPath = snap;
  request.loadProgram = programs.loader();
  request.heapStraight = heapStraight;
  auto result = resumeSnapshot(request);
  if (auto* error = std::get_if<ResumeError>(&result)) FAIL(error->diagnostic.format());
  return std::move(std::get<ResumedVM>(result));
}

// The snapshot `vm` would write now, its output captured so that stdout is
// recorded in none.
std::string encoded(VM& vm, const std::string& snap) {
  std::string output;
  vm.outputSink = &output;
  std::optional<std::string> error;
  std::string text = encodeSnapshot(vm, snap, "every.shape", SnapshotReason::SuspendCall, &error);
  vm.outputSink = nullptr;
  CHECK_FALSE(error);
  return text;
}

TEST_CASE("a heap decoded straight is the heap decoded through its pools", "[snapshot][straight]") {
#ifdef SHAPEVM_GC_STRESS
  const int large = 2000;  // a collection at every allocation makes building quadratic
#else
  const int large = 120000;  // past 12 MiB of text: decoded in three pieces, two at once
#endif
  for (int objects : {40, large}) {
    INFO(objects << " objects");
    TempDir dir;
    Programs programs{{{"every.shape", kEveryKind}}};
    std::string snap = dir.file("every.snap.json");
    std::string log = dir.file("log.txt");
    std::vector<std::string> args{log, std::to_string(objects)};
    RunResult first = startProgram(programs, "every.shape", snap, std::nullopt, args);
    REQUIRE(first.outcome.status == RunStatus::Suspended);
    std::string text = readFile(snap);
#ifndef SHAPEVM_GC_STRESS
    if (objects == large) CHECK(text.size() > (std::size_t{12} << 20));
#endif

    ResumedVM straight = resumed(programs, snap, true);
    ResumedVM pooled = resumed(programs, snap, false);
    CHECK(straight.heapStraight);
    CHECK_FALSE(pooled.heapStraight);
    // The same objects, ids and values: both write the file read.
    CHECK(encoded(*straight.vm, snap) == text);
    CHECK(encoded(*pooled.vm, snap) == text);
    // A collection keeps every object: all are reachable, none is lost.
    std::size_t before = straight.vm->heap.stats().objects;
    straight.vm->heap.collect();
    CHECK(straight.vm->heap.stats().objects == before);
    CHECK(before == pooled.vm->heap.stats().objects);

    // Both run on to the end of the uninterrupted run. (Each reopened the
    // log at its saved length, so each writes "end" once after "start".)
    RunResult rest = runCaptured(*straight.vm, snap, straight.programPath);
    REQUIRE(rest.outcome.status == RunStatus::Finished);
    CHECK(readFile(log) == "start\nend\n");
    RunResult restPooled = runCaptured(*pooled.vm, snap, pooled.programPath);
    REQUIRE(restPooled.outcome.status == RunStatus::Finished);
    CHECK(readFile(log) == "start\nend\n");
    CHECK(rest.output == restPooled.output);
    Programs plain{
        {{"plain.shape",
          std::string(kEveryKind).replace(std::string(kEveryKind).find("suspend()"), 9, "none")}}};
    RunResult whole = startProgram(plain, "plain.shape", dir.file("plain.snap.json"), std::nullopt,
                                   {dir.file("plain.txt"), std::to_string(objects)});
    REQUIRE(whole.outcome.status == RunStatus::Finished);
    CHECK(rest.output == whole.output);
    CHECK(rest.output.find("8\n") == 0);  // the open upvalue was the frame's local
  }
}

// The snapshot of kEveryKind with `objects` objects, in `dir`.
std::string suspendEveryKind(const TempDir& dir, const Programs& programs, int objects) {
  std::string snap = dir.file("every.snap.json");
  std::vector<std::string> args{dir.file("log.txt"), std::to_string(objects)};
  REQUIRE(startProgram(programs, "every.shape", snap, std::nullopt, args).outcome.status ==
          RunStatus::Suspended);
  return snap;
}

// A snapshot resumed both ways (without reopening its files).
struct BothWays {
  std::variant<ResumedVM, ResumeError> straight, pooled;
};
BothWays resumeBothWays(const Programs& programs, const std::string& snap) {
  ResumeRequest request;
  request.snapshotPath = snap;
  request.loadProgram = programs.loader();
  request.dryRun = true;
  auto straight = resumeSnapshot(request);
  request.heapStraight = false;
  return BothWays{std::move(straight), resumeSnapshot(request)};
}

TEST_CASE("what the straight path does not take, the general path decides",
          "[snapshot][straight]") {
  TempDir dir;
  Programs programs{{{"every.shape", kEveryKind}}};
  std::string snap = suspendEveryKind(dir, programs, 40);
  std::string text = readFile(snap);
  std::string edited = dir.file("edited.snap.json");

  SECTION("a record with its fields in another order is restored, its fields put in place") {
    const std::string before = "\"fields\": {\"x\": 8, \"y\": ";
    std::size_t at = text.find(before);
    REQUIRE(at != std::string::npos);
    std::size_t y = at + before.size();
    std::size_t end = text.find('}', y);  // the end of the reference
    writeFile(edited, fixChecksum(text.substr(0, at) +
                                  "\"fields\": {\"y\": " + text.substr(y, end + 1 - y) +
                                  ", \"x\": 8}" + text.substr(end + 2)));
    BothWays both = resumeBothWays(programs, edited);
    REQUIRE(std::holds_alternative<ResumedVM>(both.straight));
    CHECK_FALSE(std::get<ResumedVM>(both.straight).heapStraight);  // it gave way
    VM& vm = *std::get<ResumedVM>(both.straight).vm;
    const Array* heap = asArray(vm.globals[vm.program.findGlobal("heap")]);
    const auto* point = static_cast<const Record*>(heap->items[8].as.obj);
    CHECK(point->fields()[0].as.i == 8);
    CHECK(asString(point->fields()[1])->view() == "p8");
  }

  SECTION("a snapshot wrong in a way only the later checks see gets the same message") {
    // Each edit is canonical text the scanner decodes.
    struct Wrong {
      const char* what;
      std::string from, to;
    };
    std::size_t ref = text.find("{\"ref\": ", text.find("\"objects\": ["));
    std::string firstRef = text.substr(ref, text.find('}', ref) + 1 - ref);
    std::size_t upvalues = text.find("\"upvalues\": [");
    std::string firstUpvalue = text.substr(upvalues, text.find(']', upvalues) + 1 - upvalues);
    std::vector<Wrong> wrongs = {
        {"a reference past the last object", firstRef, "{\"ref\": 4000000}"},
        {"a closure whose upvalue is a string", firstUpvalue, "\"upvalues\": [7]"},
        {"a map with a key twice", "[null, 1], [true, ", "[true, 1], [true, "},
        {"a record of a type the program lacks", "{\"record\": \"Point\"",
         "{\"record\": \"Pointy\""},
        {"an open upvalue above the stack top",
         "{\"upvalue\": \"open\", \"slot\": ", "{\"upvalue\": \"open\", \"slot\": 90000"},
    };
    for (const Wrong& wrong : wrongs) {
      INFO(wrong.what);
      writeFile(edited, editSnapshot(text, wrong.from, wrong.to));
      BothWays both = resumeBothWays(programs, edited);
      REQUIRE(std::holds_alternative<ResumeError>(both.straight));
      REQUIRE(std::holds_alternative<ResumeError>(both.pooled));
      CHECK(std::get<ResumeError>(both.straight).diagnostic.format() ==
            std::get<ResumeError>(both.pooled).diagnostic.format());
    }
  }
}

TEST_CASE("a straight heap past the memory limit gets the general path's message",
          "[snapshot][straight]") {
  TempDir dir;
  Programs programs{{{"every.shape", kEveryKind}}};
  std::string snap = suspendEveryKind(dir, programs, 20000);
  ResumeRequest request;
  request.snapshotPath = snap;
  request.loadProgram = programs.loader();
  request.options.maxMemory = std::size_t{1} << 20;
  auto refused = resumeSnapshot(request);
  REQUIRE(std::holds_alternative<ResumeError>(refused));
  CHECK_THAT(std::get<ResumeError>(refused).diagnostic.message,
             Catch::Contains("does not fit in the memory limit"));
}

}  // namespace
}  // namespace shapevm::test
