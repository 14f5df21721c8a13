// The reader's canonical-text fast path for the heap (canonical_objects.h):
// it decodes exactly what the general reader decodes, gives up on anything
// it does not recognise, and a file rejected after it gave up gets the
// general reader's message.
#include "snapshot/canonical_objects.h"

#include <fmt/format.h>

#include "snapshot/snapshot_reader.h"
#include "snapshot_support.h"

namespace shapevm::test {
namespace {

// Every object kind and every value form the writer produces.
const char* const kEverything = R"(
type Point { x, y }
function counter(start) {
  var n = start
  return || {
    n = n + 1
    return n
  }
}
let argv = args()
let out = open(argv[0], "w")
out.write("data")
let closed = open(argv[0], "r")
closed.close()
let next = counter(10)
next()
let m = {"a": 1, "b": 2.5, 3: [], none: "x", true: {}, 1.25: -7}
m.delete("b")
var err = none
try { let z = [][1] } catch e { err = e }
let keep = [
  Point { x: 1, y: [-0.0, 1e+300, 5e-324, 0.1, float("nan"), float("inf")] },
  "quote\" back\\ nl\n tab\t nul\0 del\u{7f} é 😀", "é"[0],
  9223372036854775807, -9223372036854775807 - 1, 123456789012345678,
  counter, print, m, next, err, out, closed]
function opened() {
  var v = 5
  let g = || v
  suspend()
  return g()
}
print(opened(), len(keep))
)";

// Everything decoded about the heap, as text, to compare two readings.
std::string describeHeap(const SnapshotData& data) {
  std::string out;
  auto value = [&](const SValue& v) {
    switch (v.kind) {
      case SValueKind::Float:
        out += fmt::format("f{:x} ", std::bit_cast<uint64_t>(v.as.f));
        break;
      case SValueKind::Function:
        out += fmt::format("fn:{} ", data.functionNames[v.as.index]);
        break;
      default:
        out += fmt::format("{}:{} ", static_cast<int>(v.kind), v.as.i);
    }
  };
  for (const SObject& o : data.objects) {
    out += fmt::format(
        "\n{} open={} builtin={} mode={} text=[{}] number={} values: ", objKindName(o.kind), o.open,
        o.builtinType, static_cast<int>(o.mode), o.text, o.number);
    for (const SValue& v : data.valuesOf(o)) value(v);
    out += "names: ";
    for (std::string_view name : data.namesOf(o)) out += fmt::format("{} ", name);
    if (o.kind == ObjKind::Closure) {
      const SClosure& c = data.closureOf(o);
      out += fmt::format("closure {} {} {} {} upvalues: ", c.function.name, c.function.id,
                         c.function.hash.hex(), c.function.hasId && c.function.hasHash);
      for (uint32_t u : data.upvaluesOf(o)) out += fmt::format("{} ", u);
    }
  }
  for (const SValue& v : data.stack) value(v);
  for (const SOpenFile& f : data.host.files) {
    out += fmt::format("file {} at {}: {} {:x} {:x}\n", f.object, f.absolutePath,
                       f.fingerprint.length, f.fingerprint.head, f.fingerprint.tail);
  }
  return out;
}

struct Snapshot {
  std::string text;
  std::size_t objectsAt;  // the objects array's '['
};

Snapshot snapshotOf(const TempDir& dir, const char* source) {
  Programs programs{{{"all.shape", source}}};
  std::string snap = dir.file("all.snap.json");
  RunResult run = startProgram(programs, "all.shape", snap, std::nullopt, {dir.file("out.txt")});
  REQUIRE(run.outcome.status == RunStatus::Suspended);
  Snapshot s{readFile(snap), 0};
  s.objectsAt = s.text.find("\"objects\": [");
  REQUIRE(s.objectsAt != std::string::npos);
  s.objectsAt += std::string_view("\"objects\": ").size();
  return s;
}

Snapshot everythingSnapshot(const TempDir& dir) { return snapshotOf(dir, kEverything); }

// The same snapshot with one object per line no more: only the general
// reader reads it. (Raw newlines occur only between tokens.)
std::string respaced(const Snapshot& s) {
  std::string text = s.text;
  for (std::size_t at = s.objectsAt; (at = text.find(",\n  {", at)) != std::string::npos;) {
    text.replace(at, 4, ", ");
  }
  return fixChecksum(text);
}

// `s` read as it is (by the fast path, if it will) and respaced (by the
// general reader only): the same verdict, and the same heap or message.
void checkSameReading(const Snapshot& s) {
  Result<SnapshotData> fast = parseSnapshot(fixChecksum(s.text), "t.json");
  Result<SnapshotData> slow = parseSnapshot(respaced(s), "t.json");
  REQUIRE(fast.ok() == slow.ok());
  if (fast.ok()) {
    CHECK(describeHeap(*fast) == describeHeap(*slow));
  } else {
    CHECK(fast.error().message == slow.error().message);
  }
}

// checkSameReading for a snapshot both readings accept: the heap read.
SnapshotData acceptedReading(const Snapshot& s) {
  checkSameReading(s);
  Result<SnapshotData> read = parseSnapshot(fixChecksum(s.text), "t.json");
  REQUIRE(read.ok());
  return std::move(*read);
}

TEST_CASE("the canonical fast path decodes the heap as the general reader does",
          "[snapshot][fastpath]") {
  TempDir dir;
  Snapshot s = everythingSnapshot(dir);

  SnapshotData probe;
  probe.version = kSnapshotVersion;
  std::unordered_map<std::string_view, uint32_t> names;
  const char* begin = s.text.data() + s.objectsAt;
  const char* end = readCanonicalObjects(begin, s.text.data() + s.text.size(), probe, names);
  REQUIRE(end != nullptr);
  CHECK(std::string_view(end) == "}}\n");
  CHECK(probe.objects.size() > 15);
  CHECK(probe.host.files.size() == 1);

  std::string general = respaced(s);
  SnapshotData untouched;
  untouched.version = kSnapshotVersion;
  REQUIRE(readCanonicalObjects(general.data() + s.objectsAt, general.data() + general.size(),
                               untouched, names) == nullptr);
  CHECK(untouched.objects.empty());
  CHECK(untouched.values.empty());

  Result<SnapshotData> fast = parseSnapshot(s.text, "fast.json");
  Result<SnapshotData> slow = parseSnapshot(general, "slow.json");
  REQUIRE(fast.ok());
  REQUIRE(slow.ok());
  CHECK(describeHeap(*fast) == describeHeap(*slow));
}

// The heap of `s` decoded by the fast path, with the array split at `split`
// (nullptr: in one part), after a function name the reader already knew.
struct Decoded {
  SnapshotData data;
  std::unordered_map<std::string_view, uint32_t> functionNameIds{{"known", 0}};
  const char* end;

  Decoded(const std::string& text, std::size_t objectsAt, const char* split) {
    data.version = kSnapshotVersion;
    data.functionNames.push_back("known");
    end = readCanonicalObjects(text.data() + objectsAt, text.data() + text.size(), data,
                               functionNameIds, split);
  }
  std::string describe() const {
    std::string names;
    for (std::string_view name : data.functionNames) {
      names += fmt::format("{}={} ", name, functionNameIds.at(name));
    }
    return names + describeHeap(data);
  }
};

TEST_CASE("a heap decoded in two parts at once is the heap decoded in one",
          "[snapshot][fastpath]") {
  TempDir dir;
  Snapshot s = everythingSnapshot(dir);
  Decoded whole(s.text, s.objectsAt, nullptr);
  REQUIRE(whole.end != nullptr);
  // Split at every line of the array: the parts hold closures, records,
  // function values and names in every proportion.
  std::size_t splits = 0;
  for (std::size_t at = s.text.find(",\n  {", s.objectsAt); at != std::string::npos;
       at = s.text.find(",\n  {", at + 1)) {
    INFO("split at " << at);
    Decoded parts(s.text, s.objectsAt, s.text.data() + at + 4);
    CHECK(parts.end == whole.end);
    CHECK(parts.describe() == whole.describe());
    ++splits;
  }
  CHECK(splits > 15);
  // A split that is not at the start of a line, or a second part that is not
  // canonical: the fast path gives up and leaves everything as it was.
  std::size_t line = s.text.find(",\n  {", s.objectsAt) + 4;
  std::string broken = s.text;
  broken.replace(broken.rfind("{\"ref\": "), 8, "{\"ref\":  ");
  for (auto [text, split] : {std::pair{s.text, line + 1}, std::pair{broken, line}}) {
    Decoded refused(text, s.objectsAt, text.data() + split);
    CHECK(refused.end == nullptr);
    CHECK(refused.data.objects.empty());
    CHECK(refused.data.values.empty());
    CHECK(refused.describe() == "known=0 ");
  }
  // chooseHeapSplit leaves a small heap in one part.
  CHECK(chooseHeapSplit(s.text.data() + s.objectsAt, s.text.data() + s.text.size()) == nullptr);
}

// The capacity of the only map object read from `s`.
uint64_t mapCapacity(const Snapshot& s) {
  SnapshotData read = acceptedReading(s);
  for (const SObject& o : read.objects) {
    if (o.kind == ObjKind::Map) return o.number;
  }
  FAIL("no map");
  return 0;
}

TEST_CASE("map capacities start at 2; a version 3 snapshot's 8 still reads",
          "[snapshot][fastpath]") {
  TempDir dir;
  Snapshot s = snapshotOf(dir, "let m = {\"a\": 1, \"b\": 2}\nsuspend()\nprint(m)\n");
  std::size_t capacity = s.text.find("{\"capacity\": 2, \"map\": ", s.objectsAt);
  REQUIRE(capacity != std::string::npos);
  CHECK(mapCapacity(s) == 2);
  // As a shapevm before version 4 wrote it.
  Snapshot old = s;
  old.text.replace(capacity, 15, "{\"capacity\": 8,");
  std::string version = fmt::format("\"version\": {},", kSnapshotVersion);
  old.text.replace(old.text.find(version), version.size(), "\"version\": 3,");
  CHECK(mapCapacity(old) == 8);
  // Below 2, both readers refuse it with the same message.
  Snapshot one = s;
  one.text.replace(capacity, 15, "{\"capacity\": 1,");
  checkSameReading(one);
  Result<SnapshotData> read = parseSnapshot(fixChecksum(one.text), "t.json");
  REQUIRE_FALSE(read.ok());
  CHECK_THAT(read.error().message,
             Catch::Matchers::Contains("map capacity 1 must be 0 or a power of two >= 2"));
}

TEST_CASE("after the fast path gives up, a broken rule gets the general reader's message",
          "[snapshot][fastpath]") {
  TempDir dir;
  Snapshot s = everythingSnapshot(dir);
  // Canonical text, but a map capacity the reader refuses.
  std::size_t capacity = s.text.find("{\"capacity\": 8,", s.objectsAt);
  REQUIRE(capacity != std::string::npos);
  std::string edited = s.text;
  edited.replace(capacity, 15, "{\"capacity\": 4,");
  Result<SnapshotData> read = parseSnapshot(fixChecksum(edited), "t.json");
  REQUIRE_FALSE(read.ok());
  CHECK_THAT(read.error().message,
             Catch::Matchers::Contains("at state.objects[") &&
                 Catch::Matchers::Contains(
                     "map capacity 4 must be 0 or a power of two >= 2 and >= its 6 entries"));
  // A value the fast path leaves to the general reader ("-0" as an int
  // token): the same outcome with or without the fast path.
  std::size_t number = s.text.find("123456789012345678", s.objectsAt);
  REQUIRE(number != std::string::npos);
  Snapshot zero = s;
  zero.text.replace(number, 18, "-0");
  checkSameReading(zero);
}

TEST_CASE("a file read with its heap cut out gets the whole file's verdict and message",
          "[snapshot][fastpath]") {
  TempDir dir;
  Snapshot s = everythingSnapshot(dir);
  std::size_t heapString = s.text.find("\xc3\xa9", s.objectsAt);  // the é of a string
  REQUIRE(heapString != std::string::npos);
  std::size_t heapEnd = s.text.rfind(']');
  std::size_t steps = s.text.find("\"total_steps\": ");
  REQUIRE(steps < s.objectsAt);
  struct Edit {
    const char* what;
    std::size_t at;
    std::size_t length;
    std::string replacement;
  };
  const Edit edits[] = {
      {"nothing", 0, 0, ""},
      {"a byte that is not UTF-8 in the heap", heapString, 1, "\xff"},
      {"a raw control character in the heap", heapString, 1, "\x01"},
      {"an error before the heap", steps, 15, "\"total_steps\": \"1\", \"x\": "},
      {"a member after the heap", heapEnd + 1, 0, ", \"extra\": []"},
      {"a second heap before the heap", s.objectsAt - 11, 0, "\"objects\": [],\n"},
      {"content after the document", s.text.size(), 0, "x"},
      {"a reference past the heap", s.text.find("{\"ref\": ", s.objectsAt), 9, "{\"ref\": 99999"},
  };
  for (const Edit& edit : edits) {
    INFO(edit.what);
    Snapshot edited = s;
    edited.text.replace(edit.at, edit.length, edit.replacement);
    checkSameReading(edited);
  }
}

// A record whose text before and between its values is the record before's,
// and a closure whose text up to its upvalues is the closure before's, are
// decoded without reading their names again: any difference there, or a
// refusal after it, reads as the general reader reads it.
TEST_CASE(
    "records and closures written like the ones before them read as the general reader reads them",
    "[snapshot][fastpath]") {
  TempDir dir;
  Snapshot s = snapshotOf(dir, R"(
type P { x, y }
type Q { x, z }
function make(k) { return || k }
let keep = [P { x: 1, y: 2 }, P { x: 3, y: 4.5 }, Q { x: 5, z: 6 }, P { x: 7, y: none },
            P { x: 8, y: 9 }, make(1), make(2), make(3)]
suspend()
print(len(keep))
)");
  SnapshotData data = acceptedReading(s);
  std::string records;
  for (const SObject& o : data.objects) {
    if (o.kind != ObjKind::Record) continue;
    records += fmt::format("{}{{", o.text);
    std::span<const std::string_view> names = data.namesOf(o);
    std::span<const SValue> values = data.valuesOf(o);
    REQUIRE(names.size() == values.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      records += fmt::format("{}:{} ", names[i], static_cast<int>(values[i].kind));
    }
    records += "} ";
  }
  CHECK(records == "P{x:2 y:2 } P{x:2 y:3 } Q{x:2 z:2 } P{x:2 y:0 } P{x:2 y:2 } ");

  struct Edit {
    const char* what;
    std::string from;
    std::string to;
    int occurrence;  // 0: the first in the heap
  };
  const Edit edits[] = {
      {"a record's second key renamed", "\"x\": 8, \"y\": ", "\"x\": 8, \"w\": ", 0},
      {"a record's key repeated", "\"x\": 3, \"y\": ", "\"x\": 3, \"x\": ", 0},
      {"a record with a key more", "\"y\": 9}}", "\"y\": 9, \"v\": 1}}", 0},
      {"a record with a key fewer", "\"x\": 8, \"y\": 9}}", "\"x\": 8}}", 0},
      {"a record of another type", "\"P\", \"fields\": {\"x\": 7", "\"R\", \"fields\": {\"x\": 7",
       0},
      {"a closure's capture renamed", "\"captures\": [\"k\"]", "\"captures\": [\"j\"]", 1},
      {"a closure with an upvalue more", "\"upvalues\": [", "\"upvalues\": [0, ", 2},
      {"a closure with no upvalue", "\"captures\": [\"k\"], \"upvalues\": [",
       "\"captures\": [\"k\"], \"upvalues\": [], \"x\": [", 1},
  };
  for (const Edit& edit : edits) {
    INFO(edit.what);
    Snapshot edited = s;
    std::size_t at = edited.text.find(edit.from, s.objectsAt);
    for (int i = 0; i < edit.occurrence && at != std::string::npos; ++i) {
      at = edited.text.find(edit.from, at + 1);
    }
    REQUIRE(at != std::string::npos);
    edited.text.replace(at, edit.from.size(), edit.to);
    checkSameReading(edited);
  }
}

// The scanner reads up to 8 digits of an integer at once, a string 8 bytes
// at a time, and a short float without from_chars: each length around those
// steps reads as the general reader reads it.
TEST_CASE("numbers and strings of every length read as the general reader reads them",
          "[snapshot][fastpath]") {
  TempDir dir;
  Snapshot s = snapshotOf(dir, R"(
let keep = [
  0, 7, -7, 10, 1234567, 12345678, -12345678, 99999999, 100000000, 123456789,
  1234567890123456789, -1234567890123456789, 9223372036854775807,
  0.0, -0.0, 0.5, -0.5, 10.25, 123.456, 1.0 / 3.0, 0.1 + 0.2, 12345678901.2345,
  123456789012.34567, 1.0 / 10000000.0, 4503599627370497.0, 9007199254740993.0,
  1.5 * 1000000000000000000000.0, 0.000001,
  "", "a", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq",
  "tab\tat 3", "1234567\"", "12345678\\", "\u{1}", "abcdefgh\u{1f}", "é", "abcdefgé"]
suspend()
print(len(keep))
)");
  SnapshotData data = acceptedReading(s);
  REQUIRE(!data.objects.empty());
  std::span<const SValue> items = data.valuesOf(data.objects[0]);
  REQUIRE(items.size() == 42);
  CHECK(items[5].as.i == 12345678);
  CHECK(items[9].as.i == 123456789);
  CHECK(items[12].as.i == INT64_MAX);
  CHECK(std::bit_cast<uint64_t>(items[14].as.f) == std::bit_cast<uint64_t>(-0.0));
  CHECK(items[18].as.f == 123.456);
  CHECK(items[19].as.f == 1.0 / 3.0);
  CHECK(items[21].as.f == 12345678901.2345);
  // Numbers the fast path must refuse or read with care, each edited into
  // the heap: the same verdict and message as the general reader's.
  std::size_t at = s.text.find("12345678, -12345678", s.objectsAt);
  REQUIRE(at != std::string::npos);
  for (const char* edit :
       {"012345678", "00", "1234567a", "12345678a", "123456789012345678901", "1.", "1.e5", "-",
        "1.5e", "0x12345678", "18446744073709551616", "9223372036854775808", "1.25e1",
        "123456789012.3456", "-0.0000000000001"}) {
    INFO(edit);
    Snapshot edited = s;
    edited.text.replace(at, 8, edit);
    checkSameReading(edited);
  }
  std::size_t ref = s.text.find("{\"ref\": ", s.objectsAt);
  REQUIRE(ref != std::string::npos);
  for (const char* edit : {"{\"ref\": 4294967295}", "{\"ref\": 4294967296}", "{\"ref\": 01}"}) {
    INFO(edit);
    Snapshot edited = s;
    edited.text.replace(ref, s.text.find('}', ref) + 1 - ref, edit);
    checkSameReading(edited);
  }
}

}  // namespace
}  // namespace shapevm::test
