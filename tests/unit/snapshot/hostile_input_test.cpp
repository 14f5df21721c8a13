// Snapshots built to attack the reader and restorer rather than to look
// corrupt: a program path that names a device or a FIFO, a generator state
// the generator can never leave, and lists long enough that a quadratic
// check would take minutes. Each is built here from a real snapshot.
#include <sys/stat.h>

#include <string>

#include "bytecode/sbc.h"
#include "snapshot/snapshot_reader.h"
#include "snapshot_support.h"

namespace shapevm::test {
namespace {

const char* const kProgram = R"(
type P { x }
let p = P { x: 1 }
let g = 2
suspend()
print(p.x + g)
)";

struct Suspended {
  TempDir dir;
  Programs programs{{{"prog.shape", kProgram}}};
  std::string snap = dir.file("prog.snap.json");
  std::string text;

  Suspended() {
    RunResult first = startProgram(programs, "prog.shape", snap);
    REQUIRE(first.outcome.status == RunStatus::Suspended);
    text = readFile(snap);
  }
};

// The snapshot with its program path replaced, resumed with the real .sbc
// loader; returns the diagnostic.
std::string resumeWithProgramPath(Suspended& s, const std::string& path) {
  writeFile(s.snap, editSnapshot(asVersion1(s.text), "\"prog.shape\"", "\"" + path + "\""));
  ResumeRequest request;
  request.snapshotPath = s.snap;
  request.loadProgram = loadSbcFile;
  auto resumed = resumeSnapshot(request);
  auto* error = std::get_if<ResumeError>(&resumed);
  REQUIRE(error != nullptr);
  CHECK(error->kind == ResumeFailure::BadInput);
  return error->diagnostic.format();
}

TEST_CASE("a snapshot's program path that is a device or a FIFO is refused",
          "[snapshot][hostile]") {
  Suspended s;
  CHECK_THAT(resumeWithProgramPath(s, "/dev/zero"), Catch::Contains("not a regular file"));
  std::string fifo = s.dir.file("program.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THAT(resumeWithProgramPath(s, fifo), Catch::Contains("not a regular file"));
}

TEST_CASE("an all-zero generator state is refused", "[snapshot][hostile]") {
  Suspended s;
  std::size_t at = s.text.find("\"rng\": [");
  REQUIRE(at != std::string::npos);
  std::size_t end = s.text.find(']', at);
  std::string zero = "\"0000000000000000\"";
  std::string edited = s.text.substr(0, at) + "\"rng\": [" + zero + ", " + zero + ", " + zero +
                       ", " + zero + s.text.substr(end);
  Result<SnapshotData> data = parseSnapshot(fixChecksum(edited), "zero.snap.json");
  REQUIRE_FALSE(data);
  CHECK_THAT(data.error().format(), Catch::Contains("all zero"));
}

// n names "f0".."f{n-1}" as JSON members with value 0, then `last`.
std::string members(std::size_t n, const std::string& last) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i) text += "\"f" + std::to_string(i) + "\": 0, ";
  return text + last;
}

TEST_CASE("a record of 150k fields is read in linear time, repeats still found",
          "[snapshot][hostile]") {
  // Each field was compared with every earlier one: 22 s for 150k fields.
  Suspended s;
  constexpr std::size_t kFields = 150'000;
  std::string distinct = editSnapshot(s.text, "\"fields\": {\"x\": 1}",
                                      "\"fields\": {" + members(kFields, "\"x\": 1") + "}");
  CHECK(parseSnapshot(distinct, "wide.snap.json"));
  std::string repeated = editSnapshot(s.text, "\"fields\": {\"x\": 1}",
                                      "\"fields\": {" + members(kFields, "\"f7\": 1") + "}");
  Result<SnapshotData> data = parseSnapshot(repeated, "wide.snap.json");
  REQUIRE_FALSE(data);
  CHECK_THAT(data.error().format(), Catch::Contains("field \"f7\" appears twice"));
}

TEST_CASE("150k globals are read in linear time, repeats still found", "[snapshot][hostile]") {
  // Each global was compared with every earlier one: 31 s for 150k globals.
  Suspended s;
  std::string many;
  for (std::size_t i = 0; i < 150'000; ++i) {
    many += "{\"name\": \"v" + std::to_string(i) + "\", \"value\": 0},\n  ";
  }
  std::string from = "\"globals\": [\n  ";
  std::string distinct = editSnapshot(s.text, from, from + many);
  Result<SnapshotData> read = parseSnapshot(distinct, "globals.snap.json");
  CHECK(read);
  std::string repeated =
      editSnapshot(s.text, from, from + many + "{\"name\": \"v9\", \"value\": 0},\n  ");
  Result<SnapshotData> data = parseSnapshot(repeated, "globals.snap.json");
  REQUIRE_FALSE(data);
  CHECK_THAT(data.error().format(), Catch::Contains("global \"v9\" appears twice"));
}

}  // namespace
}  // namespace shapevm::test
