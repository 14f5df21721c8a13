// The snapshot fast paths under load and the guarantees around them: resuming
// from any --checkpoint-every snapshot, files reopened at their saved offsets,
// and a large shared heap that round-trips exactly (the streamed file equals
// the in-memory encoding, and re-encoding the resumed VM gives the same bytes).
#include <fmt/format.h>

#include <algorithm>

#include "snapshot_support.h"

namespace shapevm::test {
namespace {

Value globalNamed(const VM& vm, const std::string& name) {
  int index = vm.program.findGlobal(name);
  REQUIRE(index >= 0);
  return vm.globals[index];
}

// Prints only at the start and the end, so every checkpoint in between is
// one "no output was produced after it" in the contract's words.
const char* const kCheckpointed = R"(
print("start")
var acc = 0
var keep = []
for i in 0..3000 {
  acc = (acc * 31 + i) % 1000003
  if i % 100 == 0 { keep = keep.push([i, str(acc)]) }
}
print("end", acc, len(keep), keep[7][1])
)";

TEST_CASE("resuming from any --checkpoint-every snapshot gives the uninterrupted output",
          "[snapshot][checkpoint]") {
  TempDir dir;
  Programs programs{{{"cp.shape", kCheckpointed}}};
  std::string snap = dir.file("cp.snap.json");
  RunResult whole = startProgram(programs, "cp.shape", snap);
  REQUIRE(whole.outcome.status == RunStatus::Finished);

  // Keep every periodic checkpoint with the output printed before it.
  Result<Program> program = programs.loader()("cp.shape");
  REQUIRE(program.ok());
  VMOptions options;
  options.checkpointEvery = 1000;
  VM vm(options);
  REQUIRE_FALSE(vm.load(std::move(program.value())));
  vm.start({});
  std::string output;
  std::vector<std::pair<std::string, std::size_t>> checkpoints;  // file, output before it
  vm.outputSink = &output;
  RunOutcome outcome = runSavingSnapshots(vm, [&](VM& machine, SnapshotReason reason) {
    CHECK(reason == SnapshotReason::PeriodicCheckpoint);
    std::string path = dir.file(fmt::format("cp{}.snap.json", checkpoints.size()));
    checkpoints.emplace_back(path, output.size());  // the run flushed its output as it stopped
    return writeSnapshot(machine, path, "cp.shape", reason);
  });
  vm.flushOutput();
  vm.outputSink = nullptr;
  REQUIRE(outcome.status == RunStatus::Finished);  // checkpoints keep running
  CHECK(output == whole.output);
  REQUIRE(checkpoints.size() >= 10);

  for (const auto& [path, before] : checkpoints) {
    INFO("resuming " << path);
    std::string text = readFile(path);
    CHECK(text.find("\"status\": \"checkpoint\", \"reason\": \"periodic_checkpoint\"") !=
          std::string::npos);
    RunResult rest = resumeAndRun(programs, path);
    REQUIRE(rest.outcome.status == RunStatus::Finished);
    CHECK(whole.output.substr(0, before) + rest.output == whole.output);
  }
}

const char* const kFiles = R"(
let argv = args()
let input = open(argv[0], "r")
let out = open(argv[1], "w")
print(input.read_line())
print(input.read_line())
out.write("one\n")
suspend()
print(input.read_line())
print(input.read_line())
print(input.read_line())
out.write("two\n")
out.close()
)";

TEST_CASE("files are reopened at their saved offsets", "[snapshot][files]") {
  TempDir dir;
  Programs programs{{{"files.shape", kFiles}}};
  std::string snap = dir.file("files.snap.json");
  std::string input = dir.file("input.txt");
  std::string out = dir.file("out.txt");
  writeFile(input, "alpha\nbeta\ngamma\ndelta\n");

  RunResult first = startProgram(programs, "files.shape", snap, std::nullopt, {input, out});
  REQUIRE(first.outcome.status == RunStatus::Suspended);
  CHECK(first.output == "alpha\nbeta\n");
  std::string text = readFile(snap);
  // 11 bytes read, 4 written.
  CHECK(text.find("\"mode\": \"r\", \"open\": true, \"offset\": 11, \"absolute\": \"" + input +
                  "\", \"length\": 23,") != std::string::npos);
  CHECK(text.find("\"mode\": \"w\", \"open\": true, \"offset\": 4, \"absolute\": \"" + out +
                  "\", \"length\": 4,") != std::string::npos);

  // What the file holds beyond the saved length is cut off on resume.
  writeFile(out, "one\nstale output\n");
  RunResult rest = resumeAndRun(programs, snap);
  REQUIRE(rest.outcome.status == RunStatus::Finished);
  CHECK(rest.output == "gamma\ndelta\nnone\n");
  CHECK(readFile(out) == "one\ntwo\n");

  // An input file now shorter than it was is refused.
  RunResult again = startProgram(programs, "files.shape", snap, std::nullopt, {input, out});
  REQUIRE(again.outcome.status == RunStatus::Suspended);
  writeFile(input, "alpha\n");
  CHECK(resumeFailure(programs, snap, ResumeFailure::BadInput).find("fewer than the 23") !=
        std::string::npos);
}

// Objects of every kind, with sharing: records point back to earlier
// objects and all hold one string, arrays hold it too, maps refer to their
// neighbours, closures capture their own variables.
const char* const kBigHeap = R"(
type Node { id: int, label, next }
let n = int(args()[0])
let shared = "shared-" + str(n)
var heap = []
var i = 0
while i < n {
  let kind = i % 5
  if kind == 0 {
    var next = none
    if i > 0 { next = heap[i / 2] }
    heap = heap.push(Node { id: i, label: shared, next: next })
  } else if kind == 1 {
    heap = heap.push("s" + str(i))
  } else if kind == 2 {
    var a = []
    a = a.push(i).push(i * 0.25).push(shared)
    heap = heap.push(a)
  } else if kind == 3 {
    var m = HashMap()
    m = m.set("id", i).set(i, heap[i - 1])
    if i % 1000 == 3 {
      // Mostly deleted, then squeezed: more capacity than its entries need.
      for k in 0..14 { m = m.set("k" + str(k), k) }
      for k in 0..14 { m = m.delete("k" + str(k)) }
      m = m.set("last", i)
    }
    heap = heap.push(m)
  } else {
    let k = i
    heap = heap.push(|| k + 1)
  }
  i = i + 1
}
suspend()
var total = 0
i = 0
while i < n {
  let kind = i % 5
  if kind == 0 {
    total = total + heap[i].id
  } else if kind == 1 {
    total = total + len(heap[i])
  } else if kind == 2 {
    total = total + heap[i][0] + len(heap[i][2])
  } else if kind == 3 {
    total = total + heap[i]["id"] + len(heap[i][i])
  } else {
    total = total + heap[i]()
  }
  i = i + 1
}
print(total, heap[10].next.id, heap[5].label)
)";

TEST_CASE("a large shared heap round-trips exactly", "[snapshot][heap][large]") {
#ifdef SHAPEVM_GC_STRESS
  // A collection at every allocation makes building the heap quadratic.
  const int objects = 3000;
#else
  const int objects = 200000;
#endif
  TempDir dir;
  Programs programs{{{"big.shape", kBigHeap}}};
  std::string snap = dir.file("big.snap.json");
  std::vector<std::string> args{std::to_string(objects)};
  RunResult first = startProgram(programs, "big.shape", snap, std::nullopt, args);
  REQUIRE(first.outcome.status == RunStatus::Suspended);
  std::string text = readFile(snap);
  CHECK(text.size() > static_cast<std::size_t>(objects) * 20);
  // Maps whose saved capacity the rebuilt heap must keep, in both halves.
  CHECK(text.find("{\"capacity\": 16, \"map\": ") != std::string::npos);
  CHECK(text.rfind("{\"capacity\": 16, \"map\": ") > text.size() / 2);

  auto resumed = resumeFrom(programs, snap);
  if (auto* error = std::get_if<ResumeError>(&resumed)) FAIL(error->diagnostic.format());
  ResumedVM& ready = std::get<ResumedVM>(resumed);
  // Re-encoding the resumed VM gives the file byte for byte: same objects,
  // same ids, same values. The file was streamed (in pieces, with a running
  // checksum); this encoding is built in one buffer. Output is captured, as
  // the run's was, so that stdout is recorded in neither.
  std::string output;
  ready.vm->outputSink = &output;
  std::optional<std::string> error;
  CHECK(encodeSnapshot(*ready.vm, snap, "big.shape", SnapshotReason::SuspendCall, &error) == text);
  ready.vm->outputSink = nullptr;
  CHECK_FALSE(error);
  // Rebuilt on two threads (restore.cpp), the heap is whole: every object
  // in it is reachable, so a collection keeps them all.
  std::size_t objectsBefore = ready.vm->heap.stats().objects;
  ready.vm->heap.collect();
  CHECK(ready.vm->heap.stats().objects == objectsBefore);
  CHECK(objectsBefore > static_cast<std::size_t>(objects));

  // Sharing: every record's label and every array's third item is one string.
  Value heap = globalNamed(*ready.vm, "heap");
  REQUIRE(isObjKind(heap, ObjKind::Array));
  const Array* items = asArray(heap);
  REQUIRE(items->count == static_cast<std::size_t>(objects));
  const Obj* label = globalNamed(*ready.vm, "shared").as.obj;
  auto* node = static_cast<const Record*>(items->items[10].as.obj);
  CHECK(node->fields()[1].as.obj == label);
  CHECK(node->fields()[2].as.obj == items->items[5].as.obj);
  CHECK(asArray(items->items[objects - 3])->items[2].as.obj == label);

  RunResult rest = runCaptured(*ready.vm, snap, ready.programPath);
  REQUIRE(rest.outcome.status == RunStatus::Finished);
  // The same run without the suspension.
  Programs plain{{{"plain.shape", std::string(kBigHeap).replace(
                                      std::string(kBigHeap).find("suspend()"), 9, "none")}}};
  RunResult whole =
      startProgram(plain, "plain.shape", dir.file("plain.snap.json"), std::nullopt, args);
  REQUIRE(whole.outcome.status == RunStatus::Finished);
  CHECK(rest.output == whole.output);
  CHECK(rest.output.find(" 5 shared-") != std::string::npos);

  // A wrong reference in the upper half of the objects, which the reference
  // checks read on their second thread, is reported by object id.
  std::size_t objectsAt = text.find("\"objects\": [");
  std::size_t at = text.rfind("\"next\": {\"ref\": ");
  REQUIRE(at > objectsAt);
  std::size_t id =
      static_cast<std::size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(objectsAt),
                                          text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) -
      1;
  CHECK(id > static_cast<std::size_t>(objects) / 2);
  std::size_t number = at + std::string_view("\"next\": {\"ref\": ").size();
  std::string wrong = text;
  wrong.replace(number, wrong.find('}', number) - number, "999999999");
  std::string wrongSnap = dir.file("wrong.snap.json");
  writeFile(wrongSnap, fixChecksum(wrong));
  auto refused = resumeFrom(programs, wrongSnap);
  REQUIRE(std::holds_alternative<ResumeError>(refused));
  CHECK_THAT(std::get<ResumeError>(refused).diagnostic.message,
             Catch::Contains(fmt::format("at state.objects[{}]: the object refers to object "
                                         "999999999, but there are only",
                                         id)));
}

}  // namespace
}  // namespace shapevm::test
